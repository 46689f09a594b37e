# vrrpsim in a distroless image: a static binary (CGO_ENABLED=0, no libc),
# no shell. Build: docker build -t vrrpsim . ; run: docker run --rm vrrpsim run
# The Go version matches go.mod (cmd/vrrpsim's TestDockerfile checks it).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /vrrpsim ./cmd/vrrpsim

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /vrrpsim /vrrpsim
USER nonroot:nonroot
ENTRYPOINT ["/vrrpsim"]
CMD ["run"]
