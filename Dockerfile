# The Sluice worker image that docker-compose.yml builds. Its command runs a worker configured by CONNECT_*
# environment variables, as Confluent's cp-kafka-connect image is configured. test/compose.test.ts makes this
# file's bundle (the deploy below) and runs this command on it, outside Docker.

FROM node:20-bookworm-slim AS build
# pnpm at package.json's packageManager version; npm installs it (corepack's signature check fails against
# some registries).
RUN npm install -g pnpm@10.34.8
# better-sqlite3 (the embedded store) compiles from source where no prebuilt binary fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, from the lockfile alone, so that a source change does not download them again.
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json ./
COPY patches ./patches
RUN pnpm fetch --frozen-lockfile
COPY . .
# The CLI and its production dependencies only, workspace packages built (pnpm 10 deploys a shared
# lockfile's workspace with --legacy unless inject-workspace-packages is set).
RUN pnpm install --frozen-lockfile --offline \
 && pnpm build \
 && pnpm --filter @sluice/cli deploy --prod --legacy /out

FROM node:20-bookworm-slim
COPY --from=build /out /opt/sluice
# Plugins (npm packages) go in /opt/sluice/plugins; FileStream files in /pipelines, a volume in compose.
RUN mkdir -p /opt/sluice/plugins /pipelines && chown node:node /pipelines
USER node
WORKDIR /pipelines
EXPOSE 8083
ENTRYPOINT ["node", "/opt/sluice/bin/sluice.js"]
CMD ["worker", "--env-prefix", "CONNECT_"]
