# kpm: one image with the three stages; docker-compose.yml runs each as a service.
# The base image is pinned to a Debian point release, the same for both stages.
# To update: pick the newest 12.x tag at https://hub.docker.com/_/debian (tags
# "12.N" and "12.N-slim"), change DEBIAN_TAG here, rebuild (`docker compose build
# --pull`) and run the tests in the image's build (docs/OPERATIONS.md, "Docker").
ARG DEBIAN_TAG=12.11
# /keys is where the compose file's named volume of CurveZMQ keys is mounted (a
# fresh named volume takes this directory's owner and mode: kpm, 0700).

FROM debian:${DEBIAN_TAG} AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
        build-essential cmake pkg-config libzmq3-dev libmsgpack-dev libcsv-dev \
        libsqlite3-dev libpq-dev libsodium-dev \
    && rm -rf /var/lib/apt/lists/*
COPY . /src
# The installed layout of the Debian package: /usr/bin/kpm (when built),
# /usr/libexec/kpm/kpm-<stage>, /usr/share/kpm/{config,samples,deploy}.
RUN cmake -S /src -B /build -DCMAKE_BUILD_TYPE=Release -DKPM_BUILD_TESTS=OFF \
        -DCMAKE_INSTALL_PREFIX=/usr \
    && cmake --build /build -j"$(nproc)" \
    && DESTDIR=/staging cmake --install /build

FROM debian:${DEBIAN_TAG}-slim
RUN apt-get update && apt-get install -y --no-install-recommends libzmq5 libmsgpackc2 libcsv3 \
        libsqlite3-0 libpq5 libsodium23 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/kpm --create-home kpm \
    && install -d -o kpm -g kpm -m 0700 /keys
COPY --from=build /staging/usr/ /usr/
# The stages by their names (kpm-ingest, ...), as docker-compose.yml starts them.
ENV PATH=/usr/libexec/kpm:$PATH
USER kpm
WORKDIR /var/lib/kpm
# Unhealthy when a stage failed or stopped making progress (deploy/healthcheck).
HEALTHCHECK --interval=30s --timeout=10s --retries=3 \
    CMD ["/usr/share/kpm/deploy/healthcheck", "/var/lib/kpm/state"]
