"""Bodies for the pages' forms: what a browser posts back for a form as a page shows it."""

from django.forms import MultiWidget


def form_data(form) -> dict:
    """The form's current values (bound or initial) as a browser would post them back."""
    data = {}
    for bound in form:
        if bound.field.disabled:
            continue
        value = bound.value()
        widget = getattr(bound.field.widget, "widget", bound.field.widget)  # the admin's "+" wrapper
        if isinstance(widget, MultiWidget):
            parts = widget.decompress(value) if not isinstance(value, list) else value
            for index, (part_widget, part) in enumerate(zip(widget.widgets, parts, strict=True)):
                data[f"{bound.html_name}_{index}"] = part_widget.format_value(part) or ""
        elif isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
        elif value is None:
            data[bound.html_name] = ""
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(v) for v in value]
        else:
            data[bound.html_name] = getattr(widget, "format_value", lambda v: v)(value) or value
    return data


def posted_back(world, path: str, context: str = "form", persona: str = "rte", **changes) -> dict:
    """What `persona` (by default the RTE, who may use every form) posts back, unchanged but for
    `changes`, from the form named `context` on the page at `path`."""
    response = world.page_client(persona).get(path)
    assert response.status_code == 200, (path, response.status_code)
    return {**form_data(response.context[context]), **changes}
