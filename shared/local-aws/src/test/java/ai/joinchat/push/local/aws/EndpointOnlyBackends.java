package ai.joinchat.push.local.aws;

import java.net.URI;

/** Backends that are all one endpoint: lets a test build SDK clients for a single server. */
record EndpointOnlyBackends(URI endpoint) implements AwsBackends {

    @Override
    public URI dynamoDbEndpoint() {
        return endpoint;
    }

    @Override
    public URI sqsEndpoint() {
        return endpoint;
    }

    @Override
    public URI secretsManagerEndpoint() {
        return endpoint;
    }

    @Override
    public void close() {
    }
}
