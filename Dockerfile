# The one image of every component: a static binary and nothing else.
# Build it with scripts/image.sh, which compiles the binary first.
FROM scratch
ARG BINARY=penguins
COPY ${BINARY} /usr/local/bin/${BINARY}
ENTRYPOINT ["/usr/local/bin/penguins"]
