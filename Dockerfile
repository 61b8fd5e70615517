# Build and ship helmrelease-operator: a static-enough release binary on distroless/cc (glibc),
# running as the distroless "nonroot" user (uid 65532).
FROM rust:1-bookworm AS builder
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p helmrelease-operator \
 && install -D target/release/helmrelease-operator /out/helmrelease-operator

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=builder /out/helmrelease-operator /usr/local/bin/helmrelease-operator
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["/usr/local/bin/helmrelease-operator", "run"]
