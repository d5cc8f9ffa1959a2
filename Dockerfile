# kpm: one image with the three stages; docker-compose.yml runs each as a service.
FROM debian:12 AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
        build-essential cmake pkg-config libzmq3-dev libmsgpack-dev libcsv-dev \
        libsqlite3-dev libpq-dev \
    && rm -rf /var/lib/apt/lists/*
COPY . /src
RUN cmake -S /src -B /build -DCMAKE_BUILD_TYPE=Release -DKPM_BUILD_TESTS=OFF \
        -DKPM_DATADIR=/usr/share/kpm \
    && cmake --build /build -j"$(nproc)" --target kpm-ingest kpm-aggregate kpm-report kpm-keygen

FROM debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends libzmq5 libmsgpackc2 libcsv3 \
        libsqlite3-0 libpq5 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/kpm --create-home kpm
COPY --from=build /build/ingest/kpm-ingest /build/aggregate/kpm-aggregate \
                  /build/report/kpm-report /build/tools/kpm-keygen /usr/local/bin/
COPY config/ /usr/share/kpm/
USER kpm
WORKDIR /var/lib/kpm
