# The image of every component of a crate: one static binary, run as a non-root user.
#
# Copy this file and .dockerignore to the root of your Cargo workspace, then build with
#
#   docker build --build-arg BINARY=<binary> --tag <image>:<tag> .
#
# BINARY is the name of the `[[bin]]` target; PACKAGE, when the package has another name.
# CARGO_FLAGS selects features: the example keeps `submit`, which only runs on a developer's
# machine, behind its default feature, so the image's binary leaves out its 3 MB of HTTP and
# TLS code (docs/deploy.md). Pass `--build-arg CARGO_FLAGS=` if your crate needs its default
# features in the image.
#
# No ENTRYPOINT and no CMD, on purpose: every spec that `<binary> spec` and `<binary> compile`
# emit starts its command with /usr/local/bin/<binary>. Vertex AI Pipelines and Kubernetes
# run that command in place of the image's ENTRYPOINT, but the DockerRunner of kfp.local
# (kfp 2.17.3) passes it as the container's CMD, after any ENTRYPOINT the image sets.
#
# NOTE: this project's tests build only the `runtime` stage, from a prebuilt binary
# (scripts/image.sh), because its test machines cannot pull the rust base image. The chef,
# planner and builder stages are not run by those tests.

ARG RUST_VERSION=1.95
ARG BINARY=penguins

# cargo-chef caches the compiled dependencies in their own layer, which stays valid until
# Cargo.toml or Cargo.lock change.
FROM rust:${RUST_VERSION}-bookworm AS chef
RUN cargo install cargo-chef --locked --version 0.1.78
WORKDIR /build

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

# glibc is linked statically (`+crt-static`), so the binary needs no loader or shared
# library at run time. `--target` keeps that flag away from proc-macro crates, which must
# stay dynamic. `relocation-model=static` makes a fixed-address executable instead of a
# static PIE, which would apply about 16,000 relocations at every start, over half the
# instructions of a task start; the cost is no address randomization of the binary itself.
# Cook and build use the same RUSTFLAGS, CARGO_FLAGS, package and binary, so that the cached
# layer is reused: other members of the workspace, such as test crates, may turn on other
# features of shared dependencies.
FROM chef AS builder
ARG BINARY
ARG PACKAGE=${BINARY}
ARG TARGET=x86_64-unknown-linux-gnu
ARG CARGO_FLAGS=--no-default-features
ENV RUSTFLAGS="-C target-feature=+crt-static -C relocation-model=static"
COPY --from=planner /build/recipe.json recipe.json
RUN cargo chef cook --release --locked --target ${TARGET} ${CARGO_FLAGS} \
    --package ${PACKAGE} --bin ${BINARY} --recipe-path recipe.json
COPY . .
RUN cargo build --release --locked --target ${TARGET} ${CARGO_FLAGS} -p ${PACKAGE} --bin ${BINARY} \
    && mkdir /out /out/tmp \
    && cp target/${TARGET}/release/${BINARY} /out/${BINARY}

# The binary keeps the path the emitted specs use. The CA bundle from the rust image (Debian
# bookworm's ca-certificates) lets components open TLS connections.
FROM scratch AS runtime
ARG BINARY
COPY --from=builder /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=builder /out/${BINARY} /usr/local/bin/${BINARY}
# An empty /tmp that the user owns, for components that create temporary files: `scratch`
# has none.
COPY --from=builder --chown=65532:65532 /out/tmp /tmp
USER 65532:65532
ENV VERTEX_LOG_FORMAT=json
