package ai.joinchat.push.tools;

import ai.joinchat.push.local.Console;
import ai.joinchat.push.local.HttpApiGateway;
import ai.joinchat.push.local.InvocableFunction;
import ai.joinchat.push.local.aws.junit.LocalAws;
import ai.joinchat.push.local.aws.junit.LocalAwsExtension;
import ai.joinchat.push.send.SendApiComponents;
import ai.joinchat.push.send.SendApiHandler;
import ai.joinchat.push.store.DynamoContactBindings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code import-bindings} against the real send API handler behind local mode's HTTP API gateway,
 * on the local backends: batches of 100, progress, rejected rows by file line.
 */
@ExtendWith(LocalAwsExtension.class)
class ImportBindingsCommandTest {

    private static final String SECRET = "import-command-secret";

    private final LocalAws aws;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final AtomicInteger requests = new AtomicInteger();
    private String pageId;
    private HttpApiGateway gateway;
    private DynamoContactBindings stored;

    ImportBindingsCommandTest(LocalAws aws) {
        this.aws = aws;
    }

    @BeforeEach
    void start() {
        pageId = Long.toString(9_000_000_000L + System.nanoTime() % 1_000_000_000L);
        aws.putPageSecret(pageId, SECRET, "token", null);
        SendApiHandler handler = new SendApiHandler(SendApiComponents.create(aws.functionEnvironment("SendApiFunction"),
                Clock.systemUTC()));
        InvocableFunction sendApi = new InvocableFunction() {
            @Override
            public String name() {
                return "send-api";
            }

            @Override
            public CompletableFuture<byte[]> invoke(byte[] event) {
                requests.incrementAndGet();
                ByteArrayOutputStream response = new ByteArrayOutputStream();
                try {
                    handler.handleRequest(new ByteArrayInputStream(event), response, null);
                } catch (IOException e) {
                    return CompletableFuture.failedFuture(e);
                }
                return CompletableFuture.completedFuture(response.toByteArray());
            }
        };
        gateway = HttpApiGateway.start(0, List.of(new HttpApiGateway.Route("ANY", "/api/bindings", sendApi)),
                new Console(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false));
        stored = new DynamoContactBindings(aws.dynamoDb(), aws.tableName("ContactBindingsTable"), Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        gateway.close();
    }

    @Test
    void importsInBatchesOfAHundredAndNamesRejectedRowsByLine(@TempDir Path directory) throws Exception {
        StringBuilder csv = new StringBuilder("psid,uuid\n");              // line 1
        for (int i = 0; i < 205; i++) {                                       // lines 2-206
            if (i == 10) {
                csv.append("12ab,bad-psid\n");                                // line 12
            } else if (i == 150) {
                csv.append("5000150,\"has space\"\n");                        // line 152
            } else {
                csv.append(5_000_000 + i).append(",\"user,").append(i).append("\"\n");
            }
        }
        csv.append("\n");
        Path file = Files.writeString(directory.resolve("bindings.csv"), csv);

        assertEquals(1, run(file, SECRET), output());
        assertEquals(3, requests.get(), "205 rows are three requests");
        String printed = out.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("batch 1/3 (lines 2-101): imported 99, rejected 1"), printed);
        assertTrue(printed.contains("batch 2/3 (lines 102-201): imported 99, rejected 1"), printed);
        assertTrue(printed.contains("batch 3/3 (lines 202-206): imported 5, rejected 0"), printed);
        assertTrue(printed.contains("done: 203 of 205 bindings imported, 2 rejected"), printed);
        assertTrue(printed.contains("  line 12: psid must be"), printed);
        assertTrue(printed.contains("  line 152: uuid must be"), printed);
        assertEquals(Optional.of("5000000"), stored.psidFor(pageId, "uuid:user,0"));
        assertEquals(Optional.of("5000204"), stored.psidFor(pageId, "uuid:user,204"));
    }

    @Test
    void theTypeValueShapeImportsPhonesAndEmailsNormalised(@TempDir Path directory) throws Exception {
        Path file = Files.writeString(directory.resolve("typed.csv"), """
                PSID,Type,Value
                6000001,phone,+84 912 345 678
                6000002,email,Old.Customer@Example.com
                6000003,uuid,jc-uuid-3
                """);
        assertEquals(0, run(file, SECRET), output());
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("done: 3 of 3 bindings imported, 0 rejected"), output());
        assertEquals(Optional.of("6000001"), stored.psidFor(pageId, "phone:+84912345678"));
        assertEquals(Optional.of("6000002"), stored.psidFor(pageId, "email:old.customer@example.com"));
        assertEquals(Optional.of("6000003"), stored.psidFor(pageId, "uuid:jc-uuid-3"));
    }

    @Test
    void aWrongSecretStopsAtTheFirstBatchWithStatus3(@TempDir Path directory) throws Exception {
        Path file = Files.writeString(directory.resolve("b.csv"), "psid,email\n7000001,a@example.com\n");
        assertEquals(3, run(file, "not-the-secret"), output());
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("401"), output());
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("stopped at line 2"), output());
        assertEquals(Optional.empty(), stored.psidFor(pageId, "email:a@example.com"));
    }

    @Test
    void aHeaderWithoutPsidOrAContactColumnIsRefusedBeforeAnyRequest(@TempDir Path directory) throws Exception {
        Path file = Files.writeString(directory.resolve("b.csv"), "id,name\n1,x\n");
        assertEquals(2, run(file, SECRET), output());
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("header must name psid"), output());
        assertEquals(0, requests.get());
    }

    private int run(Path file, String secret) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        return new ImportBindingsCommand(http, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8))
                .run(new String[]{file.toString()}, Map.of("JOINCHAT_BASE_URL", gateway.baseUri().toString(),
                        "JOINCHAT_PAGE_ID", pageId, "JOINCHAT_API_SECRET", secret));
    }

    private String output() {
        return out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
    }
}
