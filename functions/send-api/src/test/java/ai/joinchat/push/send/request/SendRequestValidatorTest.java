package ai.joinchat.push.send.request;

import ai.joinchat.push.http.FieldProblem;
import ai.joinchat.push.message.MessageJson;
import ai.joinchat.push.request.Recipient;
import ai.joinchat.push.request.RecipientType;
import ai.joinchat.push.send.request.SendRequestValidator.ValidatedSendRequest;
import ai.joinchat.push.send.request.SendRequestValidator.ValidationResult;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class SendRequestValidatorTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EMOJI = "\uD83D\uDE00"; // one code point, two UTF-16 units

    private final SendRequestValidator validator = new SendRequestValidator(TagPolicy.fromSetting("drop"));

    // ---- helpers ---------------------------------------------------------------------------

    /** Parses JSON written with single quotes (no apostrophes in the test data). */
    static JsonNode json(String singleQuoted) {
        try {
            return JSON.readTree(singleQuoted.replace('\'', '"'));
        } catch (IOException e) {
            throw new UncheckedIOException(singleQuoted, e);
        }
    }

    /** A body with a valid page id and recipient around the given message JSON. */
    static String body(String message) {
        return "{'page_id':'12345','recipient':{'id':'123456'},'message':" + message + "}";
    }

    /** A body with a valid message around the given top-level fields (without braces). */
    static String bodyWith(String fields) {
        return "{" + fields + ",'message':{'template_type':'text','text':'Hello'}}";
    }

    static String repeat(String item, int times, String separator) {
        return IntStream.range(0, times).mapToObj(i -> item).collect(Collectors.joining(separator));
    }

    static String webUrl(String title) {
        return "{'type':'web_url','url':'https://example.com/a','title':'" + title + "'}";
    }

    static String postback(String payloadJson) {
        return "{'type':'postback','title':'Go','payload':" + payloadJson + "}";
    }

    static String buttonTemplate(String buttonsJson) {
        return body("{'template_type':'button','text':'Pick one','buttons':[" + buttonsJson + "]}");
    }

    static String element(String extraFields) {
        return "{'title':'Shirt'" + (extraFields.isEmpty() ? "" : "," + extraFields) + "}";
    }

    static String generic(String elementsJson) {
        return body("{'template_type':'generic','elements':[" + elementsJson + "]}");
    }

    static String list(String elementsJson, String extraMessageFields) {
        return body("{'template_type':'list','elements':[" + elementsJson + "]"
                + (extraMessageFields.isEmpty() ? "" : "," + extraMessageFields) + "}");
    }

    static final String RECEIPT_REQUIRED = "'template_type':'receipt','recipient_name':'Stephane Crozatier',"
            + "'order_number':'12345678902','currency':'USD','payment_method':'Visa 2345',"
            + "'summary':{'total_cost':56.14}";

    static String receipt(String extraFields) {
        return body("{" + RECEIPT_REQUIRED + (extraFields.isEmpty() ? "" : "," + extraFields) + "}");
    }

    static String textWithQuickReplies(String repliesJson) {
        return body("{'template_type':'text','text':'Hi','quick_replies':[" + repliesJson + "]}");
    }

    private ValidationResult validate(String singleQuotedJson) {
        return validator.validate(json(singleQuotedJson));
    }

    private ValidatedSendRequest valid(String singleQuotedJson) {
        ValidationResult result = validate(singleQuotedJson);
        assertEquals(List.of(), result.violations(), singleQuotedJson);
        assertTrue(result.request().isPresent());
        return result.request().orElseThrow();
    }

    private static Set<String> fields(ValidationResult result) {
        return result.violations().stream().map(FieldProblem::field).collect(Collectors.toCollection(TreeSet::new));
    }

    // ---- seed examples -------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"000-params-text-uuid", "000-text", "000-button", "000-generic", "000-list",
            "001-params-text-uuid", "001-text", "001-button", "001-generic", "001-list", "001-receipt"})
    void seedExampleBodiesAreValid(String name) throws IOException {
        JsonNode body;
        try (InputStream in = getClass().getResourceAsStream("seeds/" + name + ".json")) {
            body = JSON.readTree(in);
        }
        ValidationResult result = validator.validate(body);
        assertEquals(List.of(), result.violations(), name);
        ValidatedSendRequest request = result.request().orElseThrow();
        assertEquals("12345", request.pageId());
        assertEquals(body.at("/message/template_type").textValue(), request.message().templateType());
        // The seeds all carry ACCOUNT_UPDATE, which the default policy drops with a warning.
        assertEquals("UPDATE", request.messagingType());
        assertNull(request.tag());
        assertTrue(request.warnings().stream().anyMatch(w -> w.contains("ACCOUNT_UPDATE")), request.warnings()::toString);
        assertEquals(body.get("delay").intValue(), request.delaySeconds());
    }

    @Test
    void seedPhpParamsStringsAreValid() {
        String seed000 = "{\"page_id\":12345,\"recipient\":{\"id\":\"123456\"},\"message\":{\"template_type\":\"text\","
                + "\"text\":\"Hello World\"},\"tag\":\"ACCOUNT_UPDATE\",\"delay\":1}";
        String seed001 = "{\"page_id\":12345,\"recipient\":{\"id\":\"123456\"},\n\"message\":{\"template_type\":\"text\","
                + "\"text\":\"Hello World\"},\n\"tag\":\"ACCOUNT_UPDATE\",\"delay\":1}";
        for (String body : List.of(seed000, seed001)) {
            ValidatedSendRequest request = valid(body);
            assertEquals(new Recipient(RecipientType.ID, "123456"), request.recipient());
            assertEquals(1, request.delaySeconds());
            assertEquals("Hello World", MessageJson.write(request.message()).get("text").textValue());
        }
    }

    @Test
    void seedListIsDeliveredAsGenericWithWarnings() throws IOException {
        JsonNode body;
        try (InputStream in = getClass().getResourceAsStream("seeds/001-list.json")) {
            body = JSON.readTree(in);
        }
        List<String> warnings = validator.validate(body).request().orElseThrow().warnings();
        assertTrue(warnings.contains(TemplateRules.LIST_REMOVED_WARNING), warnings::toString);
        assertTrue(warnings.stream().anyMatch(w -> w.contains("message.buttons and message.top_element_style are dropped")),
                warnings::toString);
    }

    // ---- valid tables --------------------------------------------------------------------------

    static Stream<Arguments> validBodies() {
        return Stream.of(
            // text
            arguments("text", body("{'template_type':'text','text':'Hello'}")),
            arguments("text of 2000", body("{'template_type':'text','text':'" + "a".repeat(2000) + "'}")),
            arguments("text with unknown fields", body("{'template_type':'text','text':'Hi','foo':{'bar':1}}")
                    .replace("'page_id'", "'extra':true,'page_id'")),
            // button
            arguments("button, 1 button", buttonTemplate(webUrl("Visit"))),
            arguments("button, 3 buttons of each type", buttonTemplate(webUrl("Visit") + ","
                    + postback("'START'") + ",{'type':'phone_number','title':'Call','payload':'+84912345678'}")),
            arguments("button text of 640", body("{'template_type':'button','text':'" + "t".repeat(640)
                    + "','buttons':[" + webUrl("Visit") + "],'sharable':true}")),
            arguments("web_url with all options", buttonTemplate("{'type':'web_url','url':'http://example.com/x?y=1',"
                    + "'title':'" + "t".repeat(20) + "','webview_height_ratio':'compact','messenger_extensions':true,"
                    + "'fallback_url':'https://example.com/'}")),
            arguments("web_url tall/full", buttonTemplate("{'type':'web_url','url':'https://a.io','title':'A',"
                    + "'webview_height_ratio':'tall'},{'type':'web_url','url':'HTTPS://A.IO/p','title':'B',"
                    + "'webview_height_ratio':'full','messenger_extensions':false}")),
            arguments("postback seed object payload", buttonTemplate(postback("{'block_id':'123','flow_id':'12'}"))),
            arguments("postback payload of 1000", buttonTemplate(postback("'" + "p".repeat(1000) + "'"))),
            arguments("phone_number with separators", buttonTemplate(
                    "{'type':'phone_number','title':'Call us','payload':'+1 (555) 123-4567'}")),
            // generic
            arguments("generic with subtitle", generic(element("'subtitle':'" + "s".repeat(80) + "'"))),
            arguments("generic title of 80", generic("{'title':'" + "t".repeat(80) + "','image_url':'https://x.io/i.png'}")),
            arguments("generic image only", generic(element("'image_url':'https://x.io/i.png'"))),
            arguments("generic default_action only", generic(element(
                    "'default_action':{'type':'web_url','url':'https://x.io','webview_height_ratio':'tall',"
                    + "'messenger_extensions':true,'fallback_url':'https://x.io/f'}"))),
            arguments("generic buttons only, 3", generic(element("'buttons':[" + repeat(webUrl("B"), 3, ",") + "]"))),
            arguments("generic 10 elements", generic(repeat(element("'subtitle':'s'"), 10, ","))),
            arguments("generic options", body("{'template_type':'generic','image_aspect_ratio':'square','sharable':false,"
                    + "'elements':[" + element("'subtitle':'s'") + "]}")),
            arguments("generic horizontal", body("{'template_type':'generic','image_aspect_ratio':'horizontal',"
                    + "'elements':[" + element("'subtitle':'s'") + "]}")),
            // list
            arguments("list 2 elements", list(repeat(element("'subtitle':'s'"), 2, ","), "")),
            arguments("list 4 elements", list(repeat(element("'image_url':'https://x.io/i.png'"), 4, ","), "")),
            arguments("list options", list(element("'subtitle':'s','buttons':[" + webUrl("B") + "]") + ","
                    + element("'image_url':'https://x.io/i.png'"),
                    "'top_element_style':'large','buttons':[" + postback("'MORE'") + "],'sharable':true")),
            arguments("list compact", list(repeat(element("'subtitle':'s'"), 3, ","), "'top_element_style':'compact'")),
            // receipt
            arguments("receipt minimal", receipt("")),
            arguments("receipt full", receipt("'order_url':'http://petersapparel.parseapp.com/order?order_id=123456',"
                    + "'timestamp':'1428444852','sharable':true,"
                    + "'address':{'street_1':'1 Hacker Way','street_2':'','city':'Menlo Park','postal_code':'94025',"
                    + "'state':'CA','country':'US'},"
                    + "'adjustments':[{'name':'New Customer Discount','amount':20},{'name':'Coupon','amount':10.5}],"
                    + "'elements':[{'title':'Free','price':0},{'title':'Shirt','subtitle':'Cotton','quantity':2,"
                    + "'price':50,'currency':'usd','image_url':'http://x.io/s.png'}]")),
            arguments("receipt numeric timestamp", receipt("'timestamp':1428444852")),
            arguments("receipt 100 elements", receipt("'elements':[" + repeat("{'title':'i','price':1}", 100, ",") + "]")),
            arguments("receipt full summary", body("{'template_type':'receipt','recipient_name':'A','order_number':'1',"
                    + "'currency':'EUR','payment_method':'Card','summary':{'subtotal':75.00,'shipping_cost':4.95,"
                    + "'total_tax':6.19,'total_cost':56}}")),
            // quick replies
            arguments("quick replies of each kind", textWithQuickReplies(
                    "{'content_type':'text','title':'Yes','payload':'YES','image_url':'https://x.io/y.png'},"
                    + "{'content_type':'user_phone_number'},{'content_type':'user_email'}")),
            arguments("13 quick replies", textWithQuickReplies(
                    repeat("{'content_type':'text','title':'" + "q".repeat(20) + "','payload':'" + "p".repeat(1000) + "'}", 13, ","))),
            arguments("quick reply numeric payload", textWithQuickReplies("{'content_type':'text','title':'One','payload':1}")),
            arguments("quick replies on a template", body("{'template_type':'generic','elements':[" + element("'subtitle':'s'")
                    + "],'quick_replies':[{'content_type':'user_email'}]}")),
            arguments("empty quick replies", textWithQuickReplies("")),
            // recipients
            arguments("recipient id number", bodyWith("'page_id':'1','recipient':{'id':123456}")),
            arguments("recipient phone", bodyWith("'page_id':'1','recipient':{'phone':'+84 912 345 678'}")),
            arguments("recipient email", bodyWith("'page_id':'1','recipient':{'email':'A@B.com'}")),
            arguments("recipient uuid", bodyWith("'page_id':'1','recipient':{'uuid':'123456'}")),
            arguments("recipient uuid of 128", bodyWith("'page_id':'1','recipient':{'uuid':'" + "u".repeat(128) + "'}")),
            arguments("recipient uuid of 128 emoji", bodyWith("'page_id':'1','recipient':{'uuid':'" + EMOJI.repeat(128) + "'}")),
            arguments("recipient with null siblings", bodyWith("'page_id':'1','recipient':{'id':'1','phone':null}")),
            // page id, delay, tag
            arguments("page_id integer", bodyWith("'page_id':12345,'recipient':{'id':'1'}")),
            arguments("page_id big integer", bodyWith("'page_id':123456789012345678901234567890,'recipient':{'id':'1'}")),
            arguments("delay 0", bodyWith("'page_id':'1','recipient':{'id':'1'},'delay':0")),
            arguments("delay 10", bodyWith("'page_id':'1','recipient':{'id':'1'},'delay':10")),
            arguments("delay string", bodyWith("'page_id':'1','recipient':{'id':'1'},'delay':'7'")),
            arguments("delay null", bodyWith("'page_id':'1','recipient':{'id':'1'},'delay':null")),
            arguments("tag HUMAN_AGENT", bodyWith("'page_id':'1','recipient':{'id':'1'},'tag':'HUMAN_AGENT'")),
            arguments("tag null", bodyWith("'page_id':'1','recipient':{'id':'1'},'tag':null")),
            arguments("legacy tag dropped", bodyWith("'page_id':'1','recipient':{'id':'1'},'tag':'SHIPPING_UPDATE'"))
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validBodies")
    void validBodiesPass(String description, String body) {
        valid(body);
    }

    // ---- invalid tables ------------------------------------------------------------------------

    static Stream<Arguments> invalidBodies() {
        return Stream.of(
            // body shape and top-level fields
            arguments("empty body", "{}", Set.of("page_id", "recipient", "message")),
            arguments("page_id missing", bodyWith("'recipient':{'id':'1'}"), Set.of("page_id")),
            arguments("page_id letters", bodyWith("'page_id':'12a','recipient':{'id':'1'}"), Set.of("page_id")),
            arguments("page_id negative", bodyWith("'page_id':-5,'recipient':{'id':'1'}"), Set.of("page_id")),
            arguments("page_id float", bodyWith("'page_id':1.5,'recipient':{'id':'1'}"), Set.of("page_id")),
            arguments("page_id empty", bodyWith("'page_id':'','recipient':{'id':'1'}"), Set.of("page_id")),
            arguments("page_id null", bodyWith("'page_id':null,'recipient':{'id':'1'}"), Set.of("page_id")),
            // recipient
            arguments("recipient missing", bodyWith("'page_id':'1'"), Set.of("recipient")),
            arguments("recipient string", bodyWith("'page_id':'1','recipient':'123'"), Set.of("recipient")),
            arguments("recipient empty", bodyWith("'page_id':'1','recipient':{}"), Set.of("recipient")),
            arguments("recipient unknown key only", bodyWith("'page_id':'1','recipient':{'psid':'1'}"), Set.of("recipient")),
            arguments("recipient two keys", bodyWith("'page_id':'1','recipient':{'id':'1','uuid':'u'}"), Set.of("recipient")),
            arguments("recipient id letters", bodyWith("'page_id':'1','recipient':{'id':'abc'}"), Set.of("recipient.id")),
            arguments("recipient id negative", bodyWith("'page_id':'1','recipient':{'id':-1}"), Set.of("recipient.id")),
            arguments("recipient id empty", bodyWith("'page_id':'1','recipient':{'id':''}"), Set.of("recipient.id")),
            arguments("recipient id object", bodyWith("'page_id':'1','recipient':{'id':{}}"), Set.of("recipient.id")),
            arguments("recipient phone short", bodyWith("'page_id':'1','recipient':{'phone':'1234567'}"), Set.of("recipient.phone")),
            arguments("recipient phone letters", bodyWith("'page_id':'1','recipient':{'phone':'+84 abc'}"), Set.of("recipient.phone")),
            arguments("recipient phone number", bodyWith("'page_id':'1','recipient':{'phone':84912345678}"), Set.of("recipient.phone")),
            arguments("recipient email no at", bodyWith("'page_id':'1','recipient':{'email':'a.b.com'}"), Set.of("recipient.email")),
            arguments("recipient email no tld", bodyWith("'page_id':'1','recipient':{'email':'a@b'}"), Set.of("recipient.email")),
            arguments("recipient uuid empty", bodyWith("'page_id':'1','recipient':{'uuid':''}"), Set.of("recipient.uuid")),
            arguments("recipient uuid 129", bodyWith("'page_id':'1','recipient':{'uuid':'" + "u".repeat(129) + "'}"), Set.of("recipient.uuid")),
            arguments("recipient uuid space", bodyWith("'page_id':'1','recipient':{'uuid':'a b'}"), Set.of("recipient.uuid")),
            arguments("recipient uuid control", bodyWith("'page_id':'1','recipient':{'uuid':'a\\u0007b'}"), Set.of("recipient.uuid")),
            arguments("recipient uuid number", bodyWith("'page_id':'1','recipient':{'uuid':123}"), Set.of("recipient.uuid")),
            // delay
            arguments("delay negative", bodyWith("'page_id':'1','recipient':{'id':'1'},'delay':-1"), Set.of("delay")),
            arguments("delay 11", bodyWith("'page_id':'1','recipient':{'id':'1'},'delay':11"), Set.of("delay")),
            arguments("delay string 11", bodyWith("'page_id':'1','recipient':{'id':'1'},'delay':'11'"), Set.of("delay")),
            arguments("delay 1.5", bodyWith("'page_id':'1','recipient':{'id':'1'},'delay':1.5"), Set.of("delay")),
            arguments("delay 1.0", bodyWith("'page_id':'1','recipient':{'id':'1'},'delay':1.0"), Set.of("delay")),
            arguments("delay abc", bodyWith("'page_id':'1','recipient':{'id':'1'},'delay':'abc'"), Set.of("delay")),
            arguments("delay string negative", bodyWith("'page_id':'1','recipient':{'id':'1'},'delay':'-1'"), Set.of("delay")),
            arguments("delay empty string", bodyWith("'page_id':'1','recipient':{'id':'1'},'delay':''"), Set.of("delay")),
            arguments("delay boolean", bodyWith("'page_id':'1','recipient':{'id':'1'},'delay':true"), Set.of("delay")),
            arguments("delay huge", bodyWith("'page_id':'1','recipient':{'id':'1'},'delay':99999999999999999999"), Set.of("delay")),
            // tag
            arguments("tag unknown", bodyWith("'page_id':'1','recipient':{'id':'1'},'tag':'FOO'"), Set.of("tag")),
            arguments("tag number", bodyWith("'page_id':'1','recipient':{'id':'1'},'tag':5"), Set.of("tag")),
            // message and template_type
            arguments("message string", body("'hello'"), Set.of("message")),
            arguments("message null", body("null"), Set.of("message")),
            arguments("template_type missing", body("{'text':'Hi'}"), Set.of("message.template_type")),
            arguments("template_type unknown", body("{'template_type':'video','text':'Hi'}"), Set.of("message.template_type")),
            arguments("template_type number", body("{'template_type':1}"), Set.of("message.template_type")),
            // text
            arguments("text missing", body("{'template_type':'text'}"), Set.of("message.text")),
            arguments("text empty", body("{'template_type':'text','text':''}"), Set.of("message.text")),
            arguments("text 2001", body("{'template_type':'text','text':'" + "a".repeat(2001) + "'}"), Set.of("message.text")),
            arguments("text number", body("{'template_type':'text','text':5}"), Set.of("message.text")),
            // button template
            arguments("button text 641", body("{'template_type':'button','text':'" + "t".repeat(641) + "','buttons':["
                    + webUrl("A") + "]}"), Set.of("message.text")),
            arguments("button text missing", body("{'template_type':'button','buttons':[" + webUrl("A") + "]}"), Set.of("message.text")),
            arguments("buttons missing", body("{'template_type':'button','text':'Hi'}"), Set.of("message.buttons")),
            arguments("buttons empty", buttonTemplate(""), Set.of("message.buttons")),
            arguments("buttons 4", buttonTemplate(repeat(webUrl("A"), 4, ",")), Set.of("message.buttons")),
            arguments("buttons not array", body("{'template_type':'button','text':'Hi','buttons':'x'}"), Set.of("message.buttons")),
            arguments("button not object", buttonTemplate(webUrl("A") + ",5"), Set.of("message.buttons[1]")),
            arguments("button sharable string", body("{'template_type':'button','text':'Hi','sharable':'yes','buttons':["
                    + webUrl("A") + "]}"), Set.of("message.sharable")),
            // buttons of each type
            arguments("button type missing", buttonTemplate("{'title':'A','url':'https://x.io'}"), Set.of("message.buttons[0].type")),
            arguments("button type unknown", buttonTemplate("{'type':'element_share','title':'A'}"), Set.of("message.buttons[0].type")),
            arguments("web_url url missing", buttonTemplate("{'type':'web_url','title':'A'}"), Set.of("message.buttons[0].url")),
            arguments("web_url url relative", buttonTemplate("{'type':'web_url','title':'A','url':'/page'}"), Set.of("message.buttons[0].url")),
            arguments("web_url url ftp", buttonTemplate("{'type':'web_url','title':'A','url':'ftp://x.io/f'}"), Set.of("message.buttons[0].url")),
            arguments("web_url url javascript", buttonTemplate("{'type':'web_url','title':'A','url':'javascript:alert(1)'}"),
                    Set.of("message.buttons[0].url")),
            arguments("web_url url no host", buttonTemplate("{'type':'web_url','title':'A','url':'https:///x'}"), Set.of("message.buttons[0].url")),
            arguments("web_url url spaces", buttonTemplate("{'type':'web_url','title':'A','url':'https://x.io/a b'}"), Set.of("message.buttons[0].url")),
            arguments("web_url title missing", buttonTemplate("{'type':'web_url','url':'https://x.io'}"), Set.of("message.buttons[0].title")),
            arguments("web_url title 21", buttonTemplate(webUrl("t".repeat(21))), Set.of("message.buttons[0].title")),
            arguments("web_url title empty", buttonTemplate(webUrl("")), Set.of("message.buttons[0].title")),
            arguments("web_url options invalid", buttonTemplate("{'type':'web_url','url':'https://x.io','title':'A',"
                    + "'webview_height_ratio':'half','messenger_extensions':'yes','fallback_url':'x.io'}"),
                    Set.of("message.buttons[0].webview_height_ratio", "message.buttons[0].messenger_extensions",
                            "message.buttons[0].fallback_url")),
            arguments("postback payload missing", buttonTemplate("{'type':'postback','title':'Go'}"), Set.of("message.buttons[0].payload")),
            arguments("postback payload empty", buttonTemplate(postback("''")), Set.of("message.buttons[0].payload")),
            arguments("postback payload 1001", buttonTemplate(postback("'" + "p".repeat(1001) + "'")), Set.of("message.buttons[0].payload")),
            arguments("postback object payload too long", buttonTemplate(postback("{'k':'" + "p".repeat(995) + "'}")),
                    Set.of("message.buttons[0].payload")),
            arguments("postback payload number", buttonTemplate(postback("5")), Set.of("message.buttons[0].payload")),
            arguments("postback title missing", buttonTemplate("{'type':'postback','payload':'P'}"), Set.of("message.buttons[0].title")),
            arguments("phone_number payload invalid", buttonTemplate("{'type':'phone_number','title':'Call','payload':'12345'}"),
                    Set.of("message.buttons[0].payload")),
            arguments("phone_number payload missing", buttonTemplate("{'type':'phone_number','title':'Call'}"),
                    Set.of("message.buttons[0].payload")),
            arguments("phone_number payload number", buttonTemplate("{'type':'phone_number','title':'Call','payload':84912345678}"),
                    Set.of("message.buttons[0].payload")),
            arguments("phone_number title 21", buttonTemplate("{'type':'phone_number','title':'" + "c".repeat(21)
                    + "','payload':'+84912345678'}"), Set.of("message.buttons[0].title")),
            // generic
            arguments("generic elements missing", body("{'template_type':'generic'}"), Set.of("message.elements")),
            arguments("generic elements empty", generic(""), Set.of("message.elements")),
            arguments("generic 11 elements", generic(repeat(element("'subtitle':'s'"), 11, ",")), Set.of("message.elements")),
            arguments("generic element title only", generic(element("")), Set.of("message.elements[0]")),
            arguments("generic element empty subtitle only", generic(element("'subtitle':''")), Set.of("message.elements[0]")),
            arguments("generic element not object", generic(element("'subtitle':'s'") + ",'x'"), Set.of("message.elements[1]")),
            arguments("generic title missing", generic("{'subtitle':'s'}"), Set.of("message.elements[0].title")),
            arguments("generic title 81", generic("{'title':'" + "t".repeat(81) + "','subtitle':'s'}"), Set.of("message.elements[0].title")),
            arguments("generic subtitle 81", generic(element("'subtitle':'" + "s".repeat(81) + "'")), Set.of("message.elements[0].subtitle")),
            arguments("generic image_url invalid", generic(element("'image_url':'image.png'")), Set.of("message.elements[0].image_url")),
            arguments("generic 4 buttons", generic(element("'buttons':[" + repeat(webUrl("B"), 4, ",") + "]")),
                    Set.of("message.elements[0].buttons")),
            arguments("generic options invalid", body("{'template_type':'generic','image_aspect_ratio':'wide','sharable':1,"
                    + "'elements':[" + element("'subtitle':'s'") + "]}"), Set.of("message.image_aspect_ratio", "message.sharable")),
            arguments("generic nested button title", generic(element("'buttons':[" + webUrl("ok") + "," + webUrl("t".repeat(21)) + "]")),
                    Set.of("message.elements[0].buttons[1].title")),
            // default_action
            arguments("default_action not object", generic(element("'default_action':'https://x.io'")),
                    Set.of("message.elements[0].default_action")),
            arguments("default_action type postback", generic(element("'default_action':{'type':'postback','url':'https://x.io'}")),
                    Set.of("message.elements[0].default_action.type")),
            arguments("default_action type missing", generic(element("'default_action':{'url':'https://x.io'}")),
                    Set.of("message.elements[0].default_action.type")),
            arguments("default_action with title", generic(element("'default_action':{'type':'web_url','url':'https://x.io','title':'T'}")),
                    Set.of("message.elements[0].default_action.title")),
            arguments("default_action url missing", generic(element("'default_action':{'type':'web_url'}")),
                    Set.of("message.elements[0].default_action.url")),
            arguments("default_action options invalid", generic(element("'default_action':{'type':'web_url','url':'https://x.io',"
                    + "'webview_height_ratio':'big','messenger_extensions':1,'fallback_url':'nope'}")),
                    Set.of("message.elements[0].default_action.webview_height_ratio",
                            "message.elements[0].default_action.messenger_extensions",
                            "message.elements[0].default_action.fallback_url")),
            // list
            arguments("list 1 element", list(element("'subtitle':'s'"), ""), Set.of("message.elements")),
            arguments("list 5 elements", list(repeat(element("'subtitle':'s'"), 5, ","), ""), Set.of("message.elements")),
            arguments("list elements missing", body("{'template_type':'list'}"), Set.of("message.elements")),
            arguments("list element title only", list(element("'subtitle':'s'") + "," + element(""), ""), Set.of("message.elements[1]")),
            arguments("list element default_action only", list(element("'subtitle':'s'") + ","
                    + element("'default_action':{'type':'web_url','url':'https://x.io'}"), ""), Set.of("message.elements[1]")),
            arguments("list element 2 buttons", list(element("'subtitle':'s','buttons':[" + webUrl("A") + "," + webUrl("B") + "]")
                    + "," + element("'subtitle':'s'"), ""), Set.of("message.elements[0].buttons")),
            arguments("list 2 list buttons", list(repeat(element("'subtitle':'s'"), 2, ","),
                    "'buttons':[" + postback("'A'") + "," + postback("'B'") + "]"), Set.of("message.buttons")),
            arguments("list top_element_style", list(repeat(element("'subtitle':'s'"), 2, ","), "'top_element_style':'huge'"),
                    Set.of("message.top_element_style")),
            arguments("list title 81", list("{'title':'" + "t".repeat(81) + "','subtitle':'s'}," + element("'subtitle':'s'"), ""),
                    Set.of("message.elements[0].title")),
            // receipt
            arguments("receipt nothing", body("{'template_type':'receipt'}"), Set.of("message.recipient_name",
                    "message.order_number", "message.currency", "message.payment_method", "message.summary")),
            arguments("receipt currency 2 letters", body("{'template_type':'receipt','recipient_name':'A','order_number':'1',"
                    + "'currency':'US','payment_method':'Visa','summary':{'total_cost':1}}"), Set.of("message.currency")),
            arguments("receipt currency digits", body("{'template_type':'receipt','recipient_name':'A','order_number':'1',"
                    + "'currency':'US1','payment_method':'Visa','summary':{'total_cost':1}}"), Set.of("message.currency")),
            arguments("receipt total_cost missing", body("{'template_type':'receipt','recipient_name':'A','order_number':'1',"
                    + "'currency':'USD','payment_method':'Visa','summary':{'subtotal':1}}"), Set.of("message.summary.total_cost")),
            arguments("receipt total_cost string", body("{'template_type':'receipt','recipient_name':'A','order_number':'1',"
                    + "'currency':'USD','payment_method':'Visa','summary':{'total_cost':'56.14','total_tax':'x'}}"),
                    Set.of("message.summary.total_cost", "message.summary.total_tax")),
            arguments("receipt summary not object", body("{'template_type':'receipt','recipient_name':'A','order_number':'1',"
                    + "'currency':'USD','payment_method':'Visa','summary':56.14}"), Set.of("message.summary")),
            arguments("receipt empty strings", body("{'template_type':'receipt','recipient_name':'','order_number':'',"
                    + "'currency':'USD','payment_method':'','summary':{'total_cost':1}}"),
                    Set.of("message.recipient_name", "message.order_number", "message.payment_method")),
            arguments("receipt 101 elements", receipt("'elements':[" + repeat("{'title':'i','price':1}", 101, ",") + "]"),
                    Set.of("message.elements")),
            arguments("receipt element problems", receipt("'elements':[{'title':'A'},{'price':1},{'title':'C','price':'50',"
                    + "'currency':'dollars','quantity':'2','image_url':'x'}]"),
                    Set.of("message.elements[0].price", "message.elements[1].title", "message.elements[2].price",
                            "message.elements[2].currency", "message.elements[2].quantity", "message.elements[2].image_url")),
            arguments("receipt address incomplete", receipt("'address':{'street_1':'1 Hacker Way','postal_code':'94025','state':'CA'}"),
                    Set.of("message.address.city", "message.address.country")),
            arguments("receipt address not object", receipt("'address':'1 Hacker Way'"), Set.of("message.address")),
            arguments("receipt adjustments", receipt("'adjustments':[{'name':'Discount'},{'amount':5},{'name':'X','amount':'5'}]"),
                    Set.of("message.adjustments[0].amount", "message.adjustments[1].name", "message.adjustments[2].amount")),
            arguments("receipt order_url", receipt("'order_url':'petersapparel.com/order'"), Set.of("message.order_url")),
            arguments("receipt timestamp", receipt("'timestamp':'14:28'"), Set.of("message.timestamp")),
            arguments("receipt timestamp negative", receipt("'timestamp':-5"), Set.of("message.timestamp")),
            arguments("receipt timestamp float", receipt("'timestamp':1.5"), Set.of("message.timestamp")),
            arguments("receipt sharable", receipt("'sharable':'true'"), Set.of("message.sharable")),
            // quick replies
            arguments("14 quick replies", textWithQuickReplies(repeat("{'content_type':'user_email'}", 14, ",")),
                    Set.of("message.quick_replies")),
            arguments("quick replies not array", body("{'template_type':'text','text':'Hi','quick_replies':{}}"),
                    Set.of("message.quick_replies")),
            arguments("quick reply not object", textWithQuickReplies("'yes'"), Set.of("message.quick_replies[0]")),
            arguments("quick reply content_type missing", textWithQuickReplies("{'title':'Yes','payload':'Y'}"),
                    Set.of("message.quick_replies[0].content_type")),
            arguments("quick reply content_type location", textWithQuickReplies("{'content_type':'location'}"),
                    Set.of("message.quick_replies[0].content_type")),
            arguments("quick reply text problems", textWithQuickReplies("{'content_type':'text'},"
                    + "{'content_type':'text','title':'" + "q".repeat(21) + "','payload':'" + "p".repeat(1001) + "'},"
                    + "{'content_type':'text','title':'Ok','payload':{'a':1},'image_url':'y.png'}"),
                    Set.of("message.quick_replies[0].title", "message.quick_replies[0].payload",
                            "message.quick_replies[1].title", "message.quick_replies[1].payload",
                            "message.quick_replies[2].payload", "message.quick_replies[2].image_url")),
            arguments("quick reply on receipt", receipt("'quick_replies':[{'content_type':'text','title':'Ok'}]"),
                    Set.of("message.quick_replies[0].payload"))
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidBodies")
    void invalidBodiesReportExactlyTheseFields(String description, String body, Set<String> expectedFields) {
        ValidationResult result = validate(body);
        assertFalse(result.request().isPresent());
        assertTrue(result.request().isEmpty());
        assertEquals(new TreeSet<>(expectedFields), fields(result), () -> result.violations().toString());
        result.violations().forEach(v -> assertFalse(v.reason().isBlank(), v::toString));
    }

    // ---- everything at once ------------------------------------------------------------------

    @Test
    void reportsAllProblemsAtOnceWithTheirPaths() {
        String body = "{'page_id':'abc','recipient':{'id':'1','phone':'+84912345678'},"
                + "'message':{'template_type':'generic','elements':["
                + "  {'subtitle':'no title','buttons':[" + webUrl("ok") + "," + webUrl("this title is far too long") + "]},"
                + "  {'title':'fine','image_url':'https://x.io/i.png'}],"
                + " 'quick_replies':[{'content_type':'user_email'},{'content_type':'user_phone_number'},"
                + "  {'content_type':'text','title':'A','payload':'A'},{'content_type':'text','title':'B'}]},"
                + "'tag':'NOT_A_TAG','delay':11}";
        ValidationResult result = validate(body);
        List<String> fields = result.violations().stream().map(FieldProblem::field).toList();
        assertEquals(List.of("page_id", "recipient", "message.elements[0].title", "message.elements[0].buttons[1].title",
                "message.quick_replies[3].payload", "tag", "delay"), fields, result.violations()::toString);
        assertTrue(result.request().isEmpty());
    }

    @Test
    void nonObjectBodyIsAViolationOnTheBody() {
        for (String body : List.of("[]", "'text'", "5", "null")) {
            ValidationResult result = validate(body);
            assertEquals(List.of(""), result.violations().stream().map(FieldProblem::field).toList(), body);
        }
        assertEquals("", validator.validate(null).violations().get(0).field());
    }

    // ---- code points ---------------------------------------------------------------------------

    @Test
    void lengthsAreCountedInCodePoints() {
        String text2000 = EMOJI.repeat(2000);
        assertEquals(4000, text2000.length());
        ValidatedSendRequest ok = valid(body("{'template_type':'text','text':'" + text2000 + "'}"));
        assertEquals(text2000, MessageJson.write(ok.message()).get("text").textValue());

        ValidationResult tooLong = validate(body("{'template_type':'text','text':'" + EMOJI.repeat(2001) + "'}"));
        assertEquals(Set.of("message.text"), fields(tooLong));
        assertTrue(tooLong.violations().get(0).reason().contains("2001"), tooLong.violations()::toString);

        valid(buttonTemplate(webUrl(EMOJI.repeat(20))));
        assertEquals(Set.of("message.buttons[0].title"), fields(validate(buttonTemplate(webUrl(EMOJI.repeat(21))))));
        valid(generic("{'title':'" + "\u4f60".repeat(80) + "','subtitle':'" + EMOJI.repeat(80) + "'}"));
    }

    // ---- normalisation -------------------------------------------------------------------------

    @Test
    void recipientsAreNormalised() {
        assertEquals(new Recipient(RecipientType.PHONE, "+15551234567"),
                valid(bodyWith("'page_id':'1','recipient':{'phone':'+1 (555) 123-4567'}")).recipient());
        assertEquals(new Recipient(RecipientType.PHONE, "+84912345678"),
                valid(bodyWith("'page_id':'1','recipient':{'phone':'84.912.345.678'}")).recipient());
        assertEquals(new Recipient(RecipientType.EMAIL, "alice@example.com"),
                valid(bodyWith("'page_id':'1','recipient':{'email':' Alice@Example.COM '}")).recipient());
        assertEquals(new Recipient(RecipientType.ID, "1234567890123456"),
                valid(bodyWith("'page_id':'1','recipient':{'id':1234567890123456}")).recipient());
        assertEquals(new Recipient(RecipientType.UUID, "Ab-12_x"),
                valid(bodyWith("'page_id':'1','recipient':{'uuid':'Ab-12_x'}")).recipient());
        assertEquals("phone:+15551234567",
                valid(bodyWith("'page_id':'1','recipient':{'phone':'+1 (555) 123-4567'}")).recipient().contactKey());
    }

    @Test
    void pageIdAndDelayAreNormalised() {
        ValidatedSendRequest request = valid(bodyWith("'page_id':12345,'recipient':{'id':'1'},'delay':'7'"));
        assertEquals("12345", request.pageId());
        assertEquals(7, request.delaySeconds());
        assertEquals(0, valid(bodyWith("'page_id':'1','recipient':{'id':'1'}")).delaySeconds());
        assertEquals(10, valid(bodyWith("'page_id':'1','recipient':{'id':'1'},'delay':10")).delaySeconds());
    }

    @Test
    void buttonPayloadsAreNormalisedInTheCopyOnly() {
        String body = buttonTemplate(postback("{'block_id':'123','flow_id':'12'}")
                + ",{'type':'phone_number','title':'Call','payload':'+1 (555) 123-4567'}");
        JsonNode original = json(body);
        ValidatedSendRequest request = validator.validate(original).request().orElseThrow();
        ObjectNode message = MessageJson.write(request.message());
        assertEquals("{\"block_id\":\"123\",\"flow_id\":\"12\"}", message.at("/buttons/0/payload").textValue());
        assertEquals("+15551234567", message.at("/buttons/1/payload").textValue());
        // the caller's tree is untouched
        assertTrue(original.at("/message/buttons/0/payload").isObject());
        assertEquals("+1 (555) 123-4567", original.at("/message/buttons/1/payload").textValue());
        assertEquals("button", request.message().templateType());
    }

    @Test
    void copyDropsNullFieldsUnknownFieldsAndEmptyQuickRepliesAndUpperCasesCurrency() {
        ValidatedSendRequest request = valid(body("{'template_type':'receipt','recipient_name':'A','order_number':'1',"
                + "'currency':'usd','payment_method':'Visa','summary':{'total_cost':1,'total_tax':null},"
                + "'order_url':null,'quick_replies':[],'custom':'kept'}"));
        ObjectNode message = MessageJson.write(request.message());
        assertEquals("USD", message.get("currency").textValue());
        assertFalse(message.has("order_url"));
        assertFalse(message.get("summary").has("total_tax"));
        assertFalse(message.has("quick_replies"));
        assertFalse(message.has("custom"), "unknown fields are ignored (contract section 3): the typed message has none");
    }

    @Test
    void quickReplyNumericPayloadBecomesAString() {
        ValidatedSendRequest request = valid(textWithQuickReplies("{'content_type':'text','title':'One','payload':42}"));
        assertEquals("42", MessageJson.write(request.message()).at("/quick_replies/0/payload").textValue());
    }

    @Test
    void onlyTheListTemplateWarnsAboutGenericDelivery() {
        assertEquals(List.of(), valid(generic(element("'subtitle':'s'"))).warnings());
        List<String> plainList = valid(list(repeat(element("'subtitle':'s'"), 2, ","), "")).warnings();
        assertEquals(List.of(TemplateRules.LIST_REMOVED_WARNING), plainList);
        List<String> withButtons = valid(list(repeat(element("'subtitle':'s'"), 2, ","),
                "'buttons':[" + postback("'MORE'") + "]")).warnings();
        assertEquals(2, withButtons.size());
        assertTrue(withButtons.get(1).startsWith("message.buttons is dropped"), withButtons::toString);
        List<String> withStyle = valid(list(repeat(element("'subtitle':'s'"), 2, ","), "'top_element_style':'large'")).warnings();
        assertTrue(withStyle.get(1).startsWith("message.top_element_style is dropped"), withStyle::toString);
    }

    // ---- tag policy through the validator --------------------------------------------------------

    private static String tagged(String tag) {
        return bodyWith("'page_id':'1','recipient':{'id':'1'},'tag':'" + tag + "'");
    }

    @Test
    void tagPolicyDrop() {
        ValidatedSendRequest request = valid(tagged("ACCOUNT_UPDATE"));
        assertEquals("UPDATE", request.messagingType());
        assertNull(request.tag());
        assertEquals(1, request.warnings().size());
        assertTrue(request.warnings().get(0).contains("ACCOUNT_UPDATE"));
    }

    @Test
    void tagPolicyReject() {
        SendRequestValidator rejecting = new SendRequestValidator(TagPolicy.fromSetting("reject"));
        ValidationResult result = rejecting.validate(json(tagged("ACCOUNT_UPDATE")));
        assertEquals(Set.of("tag"), fields(result));
        assertTrue(rejecting.validate(json(tagged("HUMAN_AGENT"))).request().isPresent());
        assertTrue(rejecting.validate(json(bodyWith("'page_id':'1','recipient':{'id':'1'}"))).request().isPresent());
    }

    @Test
    void tagPolicyPass() {
        SendRequestValidator passing = new SendRequestValidator(TagPolicy.fromSetting("pass"));
        ValidatedSendRequest request = passing.validate(json(tagged("CONFIRMED_EVENT_UPDATE"))).request().orElseThrow();
        assertEquals("MESSAGE_TAG", request.messagingType());
        assertEquals("CONFIRMED_EVENT_UPDATE", request.tag());
        assertEquals(List.of(), request.warnings());
    }

    @Test
    void humanAgentAndNoTag() {
        ValidatedSendRequest human = valid(tagged("HUMAN_AGENT"));
        assertEquals("MESSAGE_TAG", human.messagingType());
        assertEquals("HUMAN_AGENT", human.tag());
        ValidatedSendRequest none = valid(bodyWith("'page_id':'1','recipient':{'id':'1'}"));
        assertEquals("UPDATE", none.messagingType());
        assertNull(none.tag());
        assertEquals(Collections.emptyList(), none.warnings());
    }

    @Test
    void unknownTagIsRejectedUnderEveryPolicy() {
        for (String policy : List.of("drop", "reject", "pass")) {
            SendRequestValidator v = new SendRequestValidator(TagPolicy.fromSetting(policy));
            ValidationResult result = v.validate(json(tagged("MARKETING")));
            assertEquals(Set.of("tag"), fields(result), policy);
            assertTrue(result.violations().get(0).reason().contains("HUMAN_AGENT"));
        }
    }
}
