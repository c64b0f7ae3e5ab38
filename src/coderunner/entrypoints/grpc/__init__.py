"""The gRPC API (grpc.aio), wire-compatible with the original service's clients.

Build it with ``coderunner.entrypoints.grpc.server.GrpcServer(services, host, port)``.
"""
