package ai.joinchat.push.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class PhoneNumberNormalizerTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "+1 (555) 123-4567  | +15551234567",
        "+84912345678       | +84912345678",
        "84912345678        | +84912345678",
        "+84 912.345.678    | +84912345678",
        "(84) 912-345-678   | +84912345678",
        "12345678           | +12345678",
        "123456789012345    | +123456789012345",
        "'  +44 20 7946 0958 ' | +442079460958",
    })
    void normalisesToPlusAndDigits(String raw, String expected) {
        assertEquals(Optional.of(expected), Recipient.normalizedPhone(raw));
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "+", "1234567", "+1234567", "1234567890123456", "++84912345678",
            "84+912345678", "+84 91234567a", "phone", "+84/912345678", "+84_912345678", "+８４９１２３４５６７８"})
    void rejectsWhatIsNotAPhoneNumber(String raw) {
        assertTrue(Recipient.normalizedPhone(raw).isEmpty(), () -> "accepted " + raw);
    }
}
