# The mqbench load generator: what each pod of `bench k8s render`'s Indexed Job runs (`bench worker`).
# Build and push it where your cluster pulls from (README: Running on Kubernetes):
#   docker build -t <registry>/mqbench:0.1.0 . && docker push <registry>/mqbench:0.1.0
FROM node:22-slim

WORKDIR /app
ENV NODE_ENV=production
# the same install as README's: runtime dependencies only (tsx, which runs the TypeScript sources, is one)
COPY package.json package-lock.json ./
# a fix to @platformatic/kafka 1.35 that npm ci applies (package.json postinstall: patch-package)
COPY patches ./patches
RUN npm ci --omit=dev && npm cache clean --force
COPY bin ./bin
COPY src ./src
# the JavaScript copy of src/ that bin/bench.js starts from (bin/prebuilt.js), made once here: the
# non-root user cannot write /app, and through tsx every start would cost about a second more
RUN node bin/bench.js --version

# the image's own "node" user, by number: a pod with runAsNonRoot can only verify a numeric user
USER 1000
ENTRYPOINT ["node", "/app/bin/bench.js"]
CMD ["--help"]
