# syntax=docker/dockerfile:1
# slotgate image: docker build -t slotgate .
# Every option comes from env (SLOTGATE_*, see docs/configuration.md); flags after the image
# name work too. test/unit/dockerfile.test.ts runs the build stages' commands as a script.

# The runtime: Node.js 24 LTS ("Krypton", supported until 2028-04-30) at an exact release, on
# Debian 13. .ci/run runs the whole test suite on this very Node version (it reads it from
# here). A release pipeline pins the base image by digest as well:
#   docker build --build-arg NODE_DIGEST=sha256:... --build-arg REVISION=$(git rev-parse HEAD) \
#     --build-arg CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ) .
ARG NODE_VERSION=24.22.3
ARG NODE_IMAGE=node:${NODE_VERSION}-trixie-slim
ARG NODE_DIGEST=

# Compile TypeScript with every dependency.
FROM ${NODE_IMAGE}${NODE_DIGEST:+@}${NODE_DIGEST} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npx tsc -p tsconfig.json

# Production dependencies only (no TypeScript, no tap).
FROM ${NODE_IMAGE}${NODE_DIGEST:+@}${NODE_DIGEST} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}${NODE_DIGEST:+@}${NODE_DIGEST}
ARG NODE_IMAGE
ARG NODE_DIGEST
# Filled in by the release pipeline; VERSION is package.json's (a test keeps them equal).
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="slotgate" \
      org.opencontainers.image.description="Redis Cluster sidecar proxy: one RESP address in front of a Redis Cluster" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="https://github.com/slotgate/slotgate" \
      org.opencontainers.image.documentation="https://github.com/slotgate/slotgate/blob/main/docs/operations.md" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="docker.io/library/${NODE_IMAGE}" \
      org.opencontainers.image.base.digest="${NODE_DIGEST}"
# tini as PID 1: forwards SIGTERM to node and reaps zombies (Node is not written to be init).
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    SLOTGATE_BIND=0.0.0.0 \
    SLOTGATE_METRICS_BIND=0.0.0.0
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
# A fixed numeric UID, so Kubernetes' runAsNonRoot can verify it without a passwd lookup.
USER 10001:10001
EXPOSE 6379 9190
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "dist/src/bin/healthcheck.js"]
# Node's flags are here, not in NODE_OPTIONS, so that an operator who sets NODE_OPTIONS (an
# APM agent's --require) keeps them: a 4 MiB young generation instead of V8's 16 MiB keeps
# the sidecar's memory lower at no measured CPU cost (docs/operations.md, Memory).
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--max-semi-space-size=4", "dist/src/bin/slotgate.js"]
