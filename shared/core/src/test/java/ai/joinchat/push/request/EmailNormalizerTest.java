package ai.joinchat.push.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class EmailNormalizerTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "a@b.com                  | a@b.com",
        "Alice.Smith@Example.COM  | alice.smith@example.com",
        "'  bob+tag@mail.example.co.uk  ' | bob+tag@mail.example.co.uk",
    })
    void trimsAndLowerCases(String raw, String expected) {
        assertEquals(Optional.of(expected), Recipient.normalizedEmail(raw));
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "   ", "plainaddress", "@example.com", "a@", "a@b", "a@b.", "a@.com",
            "a@@b.com", "a@b@c.com", "a b@c.com", "a@b .com", "a\t@b.com", "a@b..com"})
    void rejectsWhatDoesNotLookLikeAnEmail(String raw) {
        assertTrue(Recipient.normalizedEmail(raw).isEmpty(), () -> "accepted " + raw);
    }

    @Test
    void enforcesTheMaximumLength() {
        String domain = "@example.com";
        String at254 = "a".repeat(254 - domain.length()) + domain;
        String at255 = "a" + at254;
        assertEquals(Optional.of(at254), Recipient.normalizedEmail(at254));
        assertTrue(Recipient.normalizedEmail(at255).isEmpty());
    }
}
