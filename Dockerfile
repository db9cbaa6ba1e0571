# syntax=docker/dockerfile:1
#
# One image for every Gigsy process (docker-compose.prod.yml picks the command):
#   web      gunicorn -c gunicorn.conf.py gigsy.wsgi:application      (the default CMD)
#   ws       uvicorn gigsy.asgi:application ...                        (WebSockets under /ws/)
#   relay    python manage.py run_relay                                (outbox -> NATS JetStream)
#   consumers python manage.py run_consumers                           (event handlers)
#   worker   celery -A gigsy worker ...
#   beat     celery -A gigsy beat ...
#   migrate  python manage.py migrate --noinput
#
# Build: docker build -t gigsy .

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    DJANGO_ENV=prod

WORKDIR /app

# An unprivileged user runs every process; the code stays owned by root (read-only to it).
RUN groupadd --system --gid 10001 gigsy \
    && useradd --system --uid 10001 --gid gigsy --create-home --home-dir /home/gigsy gigsy

# Dependencies first so code changes don't reinstall them. Every pin in base.txt ships wheels
# for python:3.11-slim, so no compiler is needed. torch / sentence-transformers are not needed
# yet: they arrive with the search process and are installed into its image only.
# A TrueType font that covers non-Latin names on certificate PDFs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
ENV CERTIFICATE_PDF_FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf \
    CERTIFICATE_PDF_FONT_BOLD=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf

COPY requirements/base.txt requirements/base.txt
RUN pip install -r requirements/base.txt

COPY . .

# Static files (admin, Swagger UI sidecar) are collected at build time and served by WhiteNoise.
# Production settings refuse to load without a strong SECRET_KEY, a certificate signing key and
# an EMAIL_URL, so this one step gets random throw-away keys and a mail server it never talks
# to; they are not ENV/ARG and are not kept anywhere in the image.
RUN SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    EMAIL_URL="smtp://localhost:25" \
    CERTIFICATE_SIGNING_KEY="$(python -c 'from cryptography.hazmat.primitives import serialization as s; from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey as K; print(K.generate().private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption()).decode())')" \
    python manage.py collectstatic --noinput \
    && mkdir -p var/media \
    && chown -R gigsy:gigsy var/media

USER gigsy

# 8000: gunicorn (HTTP), 8001: uvicorn (WebSockets); nginx sits in front of both.
EXPOSE 8000 8001

CMD ["gunicorn", "-c", "gunicorn.conf.py", "gigsy.wsgi:application"]
