# Lanyard runs its TypeScript sources through tsx: no build step, the image is the sources.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin bin
COPY common common
COPY db db
COPY idp idp
COPY server server
COPY agent agent
COPY provisioning provisioning
COPY tsconfig.json ./
RUN mkdir -p /app/data && chown node /app/data
USER node
ENV LANYARD_DATA_DIR=/app/data
EXPOSE 8080
CMD ["node", "bin/lanyard.mjs", "serve"]
