# Build and ship helmrelease-operator: a release binary on Debian slim, running as a non-root
# user (uid 65532). The runtime image carries `git` and `openssh-client` because Git chart
# sources (`spec.chart.git`) are fetched with the git CLI, as Flux Helm Operator v1 did; HTTP(S),
# S3 and OCI sources are native and need nothing else.
FROM rust:1-bookworm AS builder
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p helmrelease-operator \
 && install -D target/release/helmrelease-operator /out/helmrelease-operator

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates git openssh-client \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 65532 nonroot \
 && useradd --uid 65532 --gid 65532 --home-dir /home/nonroot --create-home --shell /usr/sbin/nologin nonroot
COPY --from=builder /out/helmrelease-operator /usr/local/bin/helmrelease-operator
USER 65532:65532
ENV HOME=/home/nonroot
EXPOSE 8080 8081
ENTRYPOINT ["/usr/local/bin/helmrelease-operator", "run"]
