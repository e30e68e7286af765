"""How a comment's text is shown: escaped, line breaks kept, the people it mentions highlighted."""

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from trains.conversation.services import MENTION

register = template.Library()


@register.filter
def comment_body(comment) -> SafeString:
    """The body escaped first, then each @name of a person it mentions (comment.mentioned_people,
    prefetched) wrapped in a highlight; @names of nobody on the train stay plain text."""
    known = {person.username.lower(): person for person in getattr(comment, "mentioned_people", [])}
    parts, last = [], 0
    for match in MENTION.finditer(comment.body):
        person = known.get(match.group(1).lower())
        if person is None:
            continue
        parts.append(escape(comment.body[last : match.start()]))
        title = person.get_full_name() or person.username
        parts.append(format_html('<span class="mention" title="{}">@{}</span>', title, match.group(1)))
        last = match.end()
    parts.append(escape(comment.body[last:]))
    return mark_safe("".join(str(part) for part in parts).replace("\n", "<br>"))  # noqa: S308 - every part escaped above
