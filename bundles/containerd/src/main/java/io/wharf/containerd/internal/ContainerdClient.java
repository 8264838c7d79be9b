package io.wharf.containerd.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Empty;
import com.google.protobuf.Message;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.wharf.containerd.internal.api.health.v1.HealthCheckRequest;
import io.wharf.containerd.internal.api.health.v1.HealthCheckResponse;
import io.wharf.containerd.internal.api.health.v1.HealthProto;
import io.wharf.containerd.internal.api.version.v1.VersionProto;
import io.wharf.containerd.internal.api.version.v1.VersionResponse;
import io.wharf.core.spi.runtime.ContainerdVersion;

/**
 * A gRPC channel to containerd over its unix socket (netty's epoll transport, one event-loop
 * thread), carrying Wharf's containerd namespace on every call. Registered as a service once
 * containerd answers; the calls for containers are made by {@link ContainerdRuntime}.
 *
 * <p>The gRPC methods are described from the descriptors that protoc compiled from the .proto
 * files, so the service and method names on the wire are the ones those files declare.
 */
public final class ContainerdClient implements AutoCloseable {

    /** The containerd namespace of Wharf's containers (dockerd's is "moby"). */
    public static final String NAMESPACE = "wharf";

    /** containerd's gRPC metadata key for the namespace (namespaces/grpc.go). */
    static final Metadata.Key<String> NAMESPACE_HEADER = Metadata.Key.of("containerd-namespace",
            Metadata.ASCII_STRING_MARSHALLER);

    private static final MethodDescriptor<Empty, VersionResponse> VERSION = unary(
            VersionProto.getDescriptor().findServiceByName("Version"), "Version", Empty.getDefaultInstance(),
            VersionResponse.getDefaultInstance());
    private static final MethodDescriptor<HealthCheckRequest, HealthCheckResponse> HEALTH_CHECK = unary(
            HealthProto.getDescriptor().findServiceByName("Health"), "Check", HealthCheckRequest.getDefaultInstance(),
            HealthCheckResponse.getDefaultInstance());

    /** The deadline of calls containerd answers at once (containerd sets none itself). */
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(1);
    private static final long RETRY_MILLIS = 20;

    private final Path socket;
    private final EventLoopGroup eventLoop;
    private final ManagedChannel channel;

    ContainerdClient(Path socket) {
        this.socket = socket;
        this.eventLoop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("containerd-grpc", true),
                EpollIoHandler.newFactory());
        Metadata headers = new Metadata();
        headers.put(NAMESPACE_HEADER, NAMESPACE);
        this.channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .eventLoopGroup(eventLoop)
                .channelType(EpollDomainSocketChannel.class, DomainSocketAddress.class)
                .overrideAuthority("localhost")
                .usePlaintext()
                // gRPC asks every channel for TCP keep-alive, which a unix socket has not (netty warns)
                .withOption(ChannelOption.SO_KEEPALIVE, null)
                .maxInboundMessageSize(ContainerdConfig.MAX_MESSAGE_SIZE)
                .intercept(MetadataUtils.newAttachHeadersInterceptor(headers))
                .build();
    }

    /** The socket this client talks to. */
    public Path socket() {
        return socket;
    }

    /** The channel, for the stubs of containerd's other services. */
    public Channel channel() {
        return channel;
    }

    /** containerd's Version call. */
    public ContainerdVersion version(Duration timeout) {
        VersionResponse v = ClientCalls.blockingUnaryCall(channel, VERSION, deadline(timeout), Empty.getDefaultInstance());
        return new ContainerdVersion(v.getVersion(), v.getRevision());
    }

    /** The gRPC health check of the whole server: true when it answers SERVING. */
    boolean serving(Duration timeout) {
        HealthCheckResponse r = ClientCalls.blockingUnaryCall(channel, HEALTH_CHECK, deadline(timeout),
                HealthCheckRequest.getDefaultInstance());
        return r.getStatus() == HealthCheckResponse.ServingStatus.SERVING;
    }

    /**
     * Waits until containerd serves (health check SERVING), then asks its version. Empty when the
     * timeout passes or {@code keepTrying} turns false first (e.g. the process died).
     */
    Optional<ContainerdVersion> awaitReady(Duration timeout, BooleanSupplier keepTrying) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (keepTrying.getAsBoolean() && System.nanoTime() < deadline) {
            if (Files.exists(socket)) {
                // A reconnect now, not after gRPC's backoff from the attempts before the socket was there.
                channel.resetConnectBackoff();
                try {
                    if (serving(ATTEMPT_TIMEOUT)) {
                        return Optional.of(version(ATTEMPT_TIMEOUT));
                    }
                } catch (StatusRuntimeException e) {
                    // not serving yet
                }
            }
            Thread.sleep(RETRY_MILLIS);
        }
        return Optional.empty();
    }

    /**
     * A unary call that containerd answers at once, failing after {@link #CALL_TIMEOUT}. Failures
     * are the daemon's typed errors ({@link ContainerdErrors}).
     */
    <Q, R> R call(MethodDescriptor<Q, R> method, Q request) {
        return call(method, request, deadline(CALL_TIMEOUT));
    }

    /**
     * A unary call that may rightly take long (a task's creation waits for its FIFOs to be
     * opened, a wait for the process's exit): no deadline.
     */
    <Q, R> R callWithoutDeadline(MethodDescriptor<Q, R> method, Q request) {
        return call(method, request, CallOptions.DEFAULT);
    }

    private <Q, R> R call(MethodDescriptor<Q, R> method, Q request, CallOptions options) {
        try {
            return ClientCalls.blockingUnaryCall(channel, method, options, request);
        } catch (StatusRuntimeException e) {
            throw ContainerdErrors.toApiException(e);
        }
    }

    private static CallOptions deadline(Duration timeout) {
        return CallOptions.DEFAULT.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** A unary method of {@code service} whose types are checked against the .proto's. */
    static <Q extends Message, R extends Message> MethodDescriptor<Q, R> unary(
            Descriptors.ServiceDescriptor service, String name, Q request, R response) {
        return method(MethodDescriptor.MethodType.UNARY, service, name, request, response);
    }

    /** A method of {@code service} that answers with a stream, its types checked against the .proto's. */
    static <Q extends Message, R extends Message> MethodDescriptor<Q, R> serverStreaming(
            Descriptors.ServiceDescriptor service, String name, Q request, R response) {
        return method(MethodDescriptor.MethodType.SERVER_STREAMING, service, name, request, response);
    }

    private static <Q extends Message, R extends Message> MethodDescriptor<Q, R> method(
            MethodDescriptor.MethodType type, Descriptors.ServiceDescriptor service, String name, Q request,
            R response) {
        Descriptors.MethodDescriptor method = service.findMethodByName(name);
        boolean streaming = type == MethodDescriptor.MethodType.SERVER_STREAMING;
        if (method == null || method.isClientStreaming() || method.isServerStreaming() != streaming
                || !method.getInputType().equals(request.getDescriptorForType())
                || !method.getOutputType().equals(response.getDescriptorForType())) {
            throw new IllegalArgumentException("no " + type + " method " + name + "("
                    + request.getDescriptorForType().getFullName() + ") returns "
                    + (streaming ? "stream " : "") + response.getDescriptorForType().getFullName() + " in "
                    + service.getFullName());
        }
        return MethodDescriptor.<Q, R>newBuilder()
                .setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(service.getFullName(), method.getName()))
                .setRequestMarshaller(ProtoUtils.marshaller(request))
                .setResponseMarshaller(ProtoUtils.marshaller(response))
                .build();
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
