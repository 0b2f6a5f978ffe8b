package ai.joinchat.push.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RecipientTest {

    @Test
    void contactKeyIsTypeColonValue() {
        assertEquals("phone:+84912345678", new Recipient(RecipientType.PHONE, "+84912345678").contactKey());
        assertEquals("email:a@b.com", new Recipient(RecipientType.EMAIL, "a@b.com").contactKey());
        assertEquals("uuid:abc", new Recipient(RecipientType.UUID, "abc").contactKey());
        assertEquals("id:123", new Recipient(RecipientType.ID, "123").contactKey());
    }

    @Test
    void uuidFollowsTheSendApiRule() {
        assertEquals(Optional.of(new Recipient(RecipientType.UUID, "demo-user-42")), Recipient.uuid("demo-user-42"));
        assertEquals("uuid:ü-1", Recipient.uuid("ü-1").orElseThrow().contactKey());
        assertTrue(Recipient.uuid("x".repeat(128)).isPresent());
        assertEquals(Optional.empty(), Recipient.uuid("x".repeat(129)));
        assertEquals(Optional.empty(), Recipient.uuid(""));
        assertEquals(Optional.empty(), Recipient.uuid("a b"));
        assertEquals(Optional.empty(), Recipient.uuid("a\u0000"));
        assertEquals(Optional.empty(), Recipient.uuid(null));
    }

    @Test
    void jsonRoundTrip() throws Exception {
        Recipient recipient = new Recipient(RecipientType.PHONE, "+84912345678");
        assertEquals("{\"type\":\"phone\",\"value\":\"+84912345678\"}", recipient.toJson().toString());
        assertEquals(recipient, Recipient.fromJson(new ObjectMapper().readTree(recipient.toJson().toString())));
    }

    @Test
    void fromJsonRefusesMalformedInput() throws Exception {
        ObjectMapper json = new ObjectMapper();
        assertThrows(IllegalArgumentException.class, () -> Recipient.fromJson(json.readTree("{\"type\":\"fax\",\"value\":\"1\"}")));
        assertThrows(IllegalArgumentException.class, () -> Recipient.fromJson(json.readTree("{\"type\":\"id\"}")));
        assertThrows(IllegalArgumentException.class, () -> Recipient.fromJson(json.readTree("[]")));
        assertThrows(IllegalArgumentException.class, () -> Recipient.fromJson(null));
    }

    @Test
    void wireNames() {
        assertEquals("id", RecipientType.ID.wireName());
        assertEquals(Optional.of(RecipientType.UUID), RecipientType.fromWireName("uuid"));
        assertEquals(Optional.of(RecipientType.EMAIL), RecipientType.fromWireName("email"));
        assertTrue(RecipientType.fromWireName("UUID").isEmpty());
        assertTrue(RecipientType.fromWireName(null).isEmpty());
    }
}
