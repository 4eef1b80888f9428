# godotd in a container: the daemon, the addon and Godot 4.6 (scripts/install-godot) on Debian
# bookworm, serving one project mounted at /project. README "Run it as a service" has the rest.
#
#   docker build -t godotd .
#   docker run -d -p 8090:8090 -v "$PWD/mygame:/project" \
#     -v "$PWD/token:/run/secrets/godotd-token:ro" -e GODOTD_TOKEN_FILE=/run/secrets/godotd-token godotd
FROM debian:bookworm

ARG DEBIAN_FRONTEND=noninteractive
# The same install scripts as a developer machine and CI: apt packages, then Godot into
# /opt/godotd/.godot-install, then the optimized build.
WORKDIR /opt/godotd
COPY scripts/ scripts/
RUN scripts/install-deps && scripts/install-godot && rm -rf /var/lib/apt/lists/*
COPY . .
RUN rm -rf build && scripts/build build --buildtype=release \
    && useradd --system --uid 10001 --create-home --home-dir /var/lib/godotd godotd \
    && mkdir -p /project && chown godotd:godotd /project

USER godotd
ENV HOME=/var/lib/godotd
EXPOSE 8090
VOLUME ["/project"]
# /health is 200 once the editor is ready (503 while it starts or imports): a first import can
# take minutes, hence the long start period. Orchestrators use /livez for liveness instead.
HEALTHCHECK --interval=15s --timeout=3s --start-period=300s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8090/health || exit 1
ENTRYPOINT ["/opt/godotd/deploy/container/entrypoint.sh"]
CMD ["--bind", "0.0.0.0", "--port", "8090"]
