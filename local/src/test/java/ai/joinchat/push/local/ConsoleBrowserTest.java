package ai.joinchat.push.local;

import ai.joinchat.push.json.Json;
import ai.joinchat.push.local.aws.AwsBackends;
import ai.joinchat.push.signature.SignatureVerifier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Local mode's browser console in a real headless Chromium (Debian's {@code chromium} and
 * {@code chromium-driver}, which .ci/run installs; no driver is downloaded): the messages render
 * as Messenger shows them, a failed send shows its Graph error in the timeline, a read receipt
 * posted from the console moves the state, and no secret is in the page. Screenshots at 1280x800
 * and 390x844 go to {@code local/target/console-screenshots/}; with
 * {@code -Dconsole.screenshot=docs/console.png} the wide one also replaces the README's.
 */
class ConsoleBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final String PSID = "1000000000000042";

    private static LocalMode localMode;
    private static WebDriver browser;
    private static WebDriverWait wait;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        Path root = LocalMode.findRepositoryRoot();
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "console browser test skipped: install chromium and chromium-driver (.ci/run does)");
        Assumptions.assumeTrue(List.of("send-api", "worker", "webhook").stream()
                        .allMatch(name -> Files.isRegularFile(root.resolve("functions/" + name + "/target/" + name + ".jar"))),
                "console browser test skipped: function jars not built (mvn -B verify builds them first)");
        localMode = LocalMode.start(new LocalMode.Options(root, 0, false, null, DemoCredentials.demo(), System.out,
                AwsBackends::awsEnvironment));
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                        "--window-size=1280,800", "--hide-scrollbars");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (localMode != null) {
            localMode.close();
        }
    }

    @Test
    void showsMessagesAsMessengerDoesWithTheirLifecycle() throws Exception {
        String text = send("{\"template_type\":\"text\",\"text\":\"Your table is booked for 8 p.m.\","
                + "\"quick_replies\":[{\"content_type\":\"text\",\"title\":\"Change\",\"payload\":\"CHANGE\"},"
                + "{\"content_type\":\"text\",\"title\":\"Cancel\",\"payload\":\"CANCEL\"}]}");
        String button = send("{\"template_type\":\"button\",\"text\":\"What next?\",\"buttons\":["
                + "{\"type\":\"web_url\",\"url\":\"https://example.com/menu\",\"title\":\"See the menu\"},"
                + "{\"type\":\"postback\",\"title\":\"Call a waiter\",\"payload\":\"WAITER\"}]}");
        String carousel = send("{\"template_type\":\"generic\",\"elements\":["
                + card("Margherita", "Tomato, mozzarella, basil", "Order") + ","
                + card("Diavola", "Spicy salami, chili", "Order") + ","
                + card("Quattro formaggi", "Four cheeses", "Order") + "]}");
        String receipt = send("{\"template_type\":\"receipt\",\"recipient_name\":\"Ann Lee\",\"order_number\":\"A-1042\","
                + "\"currency\":\"EUR\",\"payment_method\":\"Visa 4242\",\"summary\":{\"subtotal\":30.5,\"shipping_cost\":4,"
                + "\"total_tax\":2.1,\"total_cost\":31.6},\"adjustments\":[{\"name\":\"Welcome coupon\",\"amount\":5}],"
                + "\"elements\":[{\"title\":\"Margherita\",\"quantity\":2,\"price\":21},{\"title\":\"Tiramisu\",\"price\":9.5}],"
                + "\"address\":{\"street_1\":\"1 Main St\",\"city\":\"Springfield\",\"postal_code\":\"12345\",\"state\":\"IL\","
                + "\"country\":\"US\"}}");
        String list = send("{\"template_type\":\"list\",\"elements\":[{\"title\":\"Starters\",\"subtitle\":\"Six to share\"},"
                + "{\"title\":\"Mains\",\"subtitle\":\"Pizza and pasta\"}]}");
        awaitDelivered(5);

        viewport(1280, 800);
        browser.get(localMode.apiUri() + "/__console/");
        wait = new WebDriverWait(browser, LIMIT);
        wait.ignoring(StaleElementReferenceException.class); // the page re-renders as the feed brings news
        wait.until(d -> d.findElements(By.cssSelector("#thread .msg.page")).size() == 5);
        new Select(browser.findElement(By.id("fault-code"))).selectByValue("551");
        browser.findElement(By.id("fail-next")).click();
        wait.until(d -> d.findElement(By.id("action-result")).getText().equals("/__console/sandbox/faults -> 200"));
        String failed = send("{\"template_type\":\"text\",\"text\":\"This one fails\"}");
        wait.until(d -> d.findElements(By.cssSelector("#thread .msg.page")).size() == 6);

        expect("Your table is booked for 8 p.m.", () -> message(text).findElement(By.cssSelector(".bubble-text")).getText());
        expect(List.of("Change", "Cancel"), () -> texts(message(text), ".chip"));
        expect(List.of("See the menu", "Call a waiter"), () -> texts(message(button), ".button-template .tbutton"));
        expect(List.of("Margherita", "Diavola", "Quattro formaggi"), () -> texts(message(carousel), ".carousel .card-title"));
        expect(List.of("Order", "Order", "Order"), () -> texts(message(carousel), ".card .tbutton"));
        expect(true, () -> message(receipt).findElement(By.cssSelector(".receipt-total")).getText().contains("31.6 EUR"));
        expect(List.of("Starters", "Mains"), () -> texts(message(list), ".carousel .card-title"));
        expect(true, () -> message(list).findElement(By.cssSelector(".note-list")).getText().contains("generic carousel"));

        wait.until(d -> click(message(failed).findElement(By.cssSelector(".select"))));
        wait.until(d -> d.findElement(By.id("timeline")).getText().contains("Graph 400 (#551)"));
        wait.until(d -> message(failed).findElement(By.cssSelector(".state")).getText().equals("failed"));

        wait.until(d -> message(list).findElement(By.cssSelector(".state")).getText().equals("sent"));
        browser.findElement(By.id("read")).click();
        wait.until(d -> message(list).findElement(By.cssSelector(".state")).getText().equals("read"));

        wait.until(d -> click(message(text).findElement(By.cssSelector(".chip"))));
        wait.until(d -> texts(d.findElement(By.id("thread")), ".msg.user .bubble").contains("Change (quick reply CHANGE)"));
        browser.findElement(By.id("referral")).click();
        wait.until(d -> texts(d.findElement(By.id("thread")), ".msg.user .bubble")
                .contains("Opened the link with ref uuid=customer-42;sig=\u2026"));
        WebElement rate = browser.findElement(By.id("rate"));
        rate.clear();
        rate.sendKeys("0");
        browser.findElement(By.id("throttle")).click();
        wait.until(d -> d.findElement(By.id("action-result")).getText().equals("/__console/sandbox/rate -> 200"));

        HttpResponse<String> crossSite = HTTP.send(HttpRequest.newBuilder(URI.create(localMode.apiUri() + "/__console/user"))
                .header("content-type", "application/json").header("origin", "http://attacker.example")
                .POST(HttpRequest.BodyPublishers.ofString("{\"kind\":\"read\",\"psid\":\"" + PSID + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, crossSite.statusCode(), "another site's page must not post as the user");

        String html = browser.getPageSource();
        DemoCredentials credentials = localMode.credentials();
        for (String secret : List.of(credentials.apiSecret(), credentials.pageAccessToken(), credentials.appSecret(),
                credentials.verifyToken())) {
            assertFalse(html.contains(secret), "the page shows a secret");
        }
        String feed = HTTP.send(HttpRequest.newBuilder(URI.create(localMode.apiUri() + "/__console/feed?since=0")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        for (String secret : List.of(credentials.apiSecret(), credentials.pageAccessToken(), credentials.appSecret())) {
            assertFalse(feed.contains(secret), "the feed holds a secret");
        }

        wait.until(d -> click(message(carousel).findElement(By.cssSelector(".select"))));
        wait.until(d -> d.findElement(By.id("timeline")).getText().contains("Status read"));
        Path shots = Files.createDirectories(LocalMode.findRepositoryRoot().resolve("local/target/console-screenshots"));
        Path wide = screenshot(shots.resolve("console-1280x800.png"));
        String docs = System.getProperty("console.screenshot", "");
        if (!docs.isBlank()) {
            Files.copy(wide, LocalMode.findRepositoryRoot().resolve(docs), StandardCopyOption.REPLACE_EXISTING);
        }
        viewport(390, 844);
        wait.until(d -> d.findElement(By.id("thread")).isDisplayed());
        screenshot(shots.resolve("console-390x844.png"));
    }

    /** Waits until {@code actual} gives {@code expected} (the page re-renders while it is read). */
    private static void expect(Object expected, java.util.function.Supplier<Object> actual) {
        try {
            wait.until(d -> expected.equals(actual.get()));
        } catch (org.openqa.selenium.TimeoutException e) {
            assertEquals(expected, actual.get());
        }
    }

    private static boolean click(WebElement element) {
        element.click();
        return true;
    }

    private static String card(String title, String subtitle, String button) {
        return "{\"title\":\"" + title + "\",\"subtitle\":\"" + subtitle + "\",\"buttons\":[{\"type\":\"postback\","
                + "\"title\":\"" + button + "\",\"payload\":\"" + title.toUpperCase() + "\"}]}";
    }

    private static String send(String message) throws Exception {
        String body = "{\"page_id\":\"" + localMode.credentials().pageId() + "\",\"recipient\":{\"id\":\"" + PSID
                + "\"},\"message\":" + message + "}";
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(localMode.apiUri() + "/api/send_message"))
                .header("content-type", "application/json")
                .header("x-joinchat-signature", new SignatureVerifier().sign(body.getBytes(StandardCharsets.UTF_8),
                        localMode.credentials().apiSecret()))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, response.statusCode(), response.body());
        return Json.parse(response.body()).path("message_id").asText();
    }

    private static void awaitDelivered(int count) throws InterruptedException {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (localMode.graphSandbox().orElseThrow().recordedMessages().stream()
                .filter(call -> call.path("status").asInt() == 200).count() < count) {
            assertTrue(System.nanoTime() < deadline, "the sandbox did not take " + count + " messages");
            Thread.sleep(100);
        }
    }

    private static WebElement message(String messageId) {
        return browser.findElement(By.cssSelector("[data-message-id='" + messageId + "']"));
    }

    private static List<String> texts(WebElement in, String css) {
        return in.findElements(By.cssSelector(css)).stream().map(WebElement::getText).toList();
    }

    /** The page's viewport exactly (a headless window's size includes no page area to subtract, yet differs). */
    private static void viewport(int width, int height) {
        ((ChromeDriver) browser).executeCdpCommand("Emulation.setDeviceMetricsOverride", Map.of("width", width,
                "height", height, "deviceScaleFactor", 1, "mobile", false));
    }

    private static Path screenshot(Path file) throws Exception {
        File shot = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), file, StandardCopyOption.REPLACE_EXISTING);
        return file;
    }
}
