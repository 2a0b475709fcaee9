# Build stage: compile the product to dist/ with the dev dependencies (TypeScript). The whole
# checkout is copied (see .dockerignore), so a new module needs no change here.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npx tsc -p tsconfig.build.json

# Runtime: plain Node on dist/ with the production dependencies only.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm rebuild better-sqlite3
COPY bin bin
COPY --from=build /app/dist dist
RUN mkdir -p /app/data && chown node /app/data
USER node
ENV LANYARD_DATA_DIR=/app/data
EXPOSE 8080
CMD ["node", "bin/lanyard.mjs", "serve"]
