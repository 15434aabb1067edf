# The hosted, multi-user Nimble MCP server (`nimble-tools serve`), for a team.
#   docker build -t nimble-mcp .
#   docker run -p 8080:8080 nimble-mcp nimble-tools serve --sandbox --host 0.0.0.0       # try it offline
#   docker run -p 8080:8080 -e NIMBLE_HOSTED_SECRET_KEY=... -e NIMBLE_HOSTED_PUBLIC_URL=https://... \
#              -e NIMBLE_HOSTED_STORE=redis://redis:6379/0 -e NIMBLE_HOSTED_WORKERS=4 nimble-mcp
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    NIMBLE_HOSTED_HOST=0.0.0.0 \
    NIMBLE_HOSTED_PORT=8080 \
    XDG_DATA_HOME=/data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY nimble_tools ./nimble_tools
COPY adapters ./adapters
COPY plugins ./plugins
COPY demo ./demo
RUN pip install --no-cache-dir ".[hosted,phone]" \
    && useradd --system --uid 10001 --user-group --home-dir /data --create-home nimble

# Never root: the SQLite store (the default, for one machine) lives in /data, owned by this user.
USER nimble
VOLUME ["/data"]
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-m", "nimble_tools_hosted.healthcheck"]

CMD ["nimble-tools", "serve"]
