# syntax=docker/dockerfile:1
# One image for every ARTops process: web (gunicorn), worker and beat (celery) and the one-shot
# `migrate` service all run it with a different command (see docker-compose.yml).
FROM python:3.11-slim

# PYTHONPATH: the source tree in /app (templates/ and static/ sit beside the packages) is what runs;
# the copy that pip installs into site-packages only records the distribution and must not shadow it.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

WORKDIR /app

# Dependencies first, read from pyproject.toml, so that a code change does not reinstall them.
# Only [project].dependencies: the dev extra (pytest, ruff, playwright, ...) stays out of the image.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .
RUN pip install --no-deps . && rm -rf build ./*.egg-info

# Static files are collected once, at build time, with production settings; whitenoise serves them.
# The SECRET_KEY here exists only for this command and is not kept in the image's environment.
RUN DEBUG=false SECRET_KEY=build-only-collectstatic-key python manage.py collectstatic --noinput

# Run as an unprivileged user. /var/lib/artops/beat holds celery beat's schedule file (a named
# volume in docker-compose.yml starts out with this directory's ownership).
RUN groupadd --system --gid 10001 artops \
    && useradd --system --uid 10001 --gid artops --home-dir /app --no-create-home --shell /usr/sbin/nologin artops \
    && mkdir -p /var/lib/artops/beat \
    && chown -R artops:artops /var/lib/artops
USER artops

EXPOSE 8000

CMD ["gunicorn", "artops.wsgi:application", "--bind", "0.0.0.0:8000", "--worker-tmp-dir", "/dev/shm", "--access-logfile", "-"]
