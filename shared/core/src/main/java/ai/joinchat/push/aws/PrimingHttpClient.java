package ai.joinchat.push.aws;

import ai.joinchat.push.json.Json;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpResponse;

import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The HTTP client of the SnapStart priming's throw-away AWS clients: answers every request from memory,
 * never opening a socket, with a 200 the JSON protocols accept ({@code {}}, or {@link #SECRET} for
 * {@code GetSecretValue}), and keeps the name of every operation it answered.
 */
public final class PrimingHttpClient implements SdkHttpClient {

    /** The {@code api_secret}, {@code page_access_token}, {@code app_secret} and {@code verify_token} it answers. */
    public static final String SECRET = "snapshot-priming-only";
    private static final byte[] SECRET_VALUE = Json.writeBytes(Json.object().put("SecretString", Json.write(
            Json.object().put("api_secret", SECRET).put("page_access_token", SECRET).put("app_secret", SECRET)
                    .put("verify_token", SECRET))));
    private static final byte[] EMPTY = {'{', '}'};

    private final Queue<String> operations = new ConcurrentLinkedQueue<>();

    /** The operations answered so far, in order ({@code PutItem}, {@code SendMessage}, ...). */
    public List<String> operations() {
        return List.copyOf(operations);
    }

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        String target = request.httpRequest().firstMatchingHeader("X-Amz-Target").orElse("");
        String operation = target.substring(target.lastIndexOf('.') + 1);
        operations.add(operation);
        byte[] body = operation.equals("GetSecretValue") ? SECRET_VALUE : EMPTY;
        return new ExecutableHttpRequest() {
            @Override
            public HttpExecuteResponse call() {
                return HttpExecuteResponse.builder()
                        .response(SdkHttpResponse.builder().statusCode(200).build())
                        .responseBody(AbortableInputStream.create(new ByteArrayInputStream(body)))
                        .build();
            }

            @Override
            public void abort() {
                // Answered from memory: nothing to abort.
            }
        };
    }

    @Override
    public void close() {
        // Nothing held.
    }
}
