# CallVault server image: Node 20 on Debian (glibc, which the uWebSockets.js binary needs).
# The web app is built in a stage of its own (Vite is a dev dependency); only web/dist ships.
FROM node:20-bookworm-slim AS web
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY protocol ./protocol
COPY web ./web
COPY scripts/build-web.mjs ./scripts/
RUN node scripts/build-web.mjs

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY protocol ./protocol
COPY events ./events
COPY app ./app
COPY schema ./schema
COPY api ./api
COPY web ./web
COPY --from=web /app/web/dist ./web/dist
COPY tsconfig.json ./
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--import", "tsx", "api/main.ts"]
