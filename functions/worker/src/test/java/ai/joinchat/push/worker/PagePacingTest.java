package ai.joinchat.push.worker;

import ai.joinchat.push.Deadline;
import ai.joinchat.push.worker.pacing.PagePacing;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two worker containers sharing one page's pace. */
class PagePacingTest {

    private static final String PAGE = "1234567890";
    private final InProcessPaceStore shared = new InProcessPaceStore();
    private final PagePacing throttledHere = new PagePacing(shared);
    private final PagePacing otherContainer = new PagePacing(shared);

    @Test
    void aContainerThatGetsACopyPutBackForItsSlotPacesThePageToo() {
        Instant now = Instant.parse("2026-12-07T10:00:00Z");
        PagePacing.Throttle throttle = throttledHere.throttled(PAGE, Duration.ofSeconds(2), now, Deadline.none());
        assertTrue(throttle.slot().isAfter(now.plusSeconds(2).minusMillis(1)));

        assertFalse(otherContainer.paced(PAGE, now), "not before its own throttle, or a copy");
        assertEquals(now, otherContainer.slot(PAGE, now, Deadline.none()), "so it would send at once, into the limit");

        otherContainer.pacedElsewhere(PAGE, now);
        Instant slot = otherContainer.slot(PAGE, now, Deadline.none());
        assertTrue(slot.isAfter(throttle.slot()), "a slot after the throttled message's: " + slot);
    }

    @Test
    void aCopyOfAPageWhosePaceHasEndedCostsOneReservationAndThenNothing() {
        Instant now = Instant.parse("2026-12-07T10:00:00Z");
        otherContainer.pacedElsewhere(PAGE, now);
        assertEquals(now, otherContainer.slot(PAGE, now, Deadline.none()), "the shared pace says the page is not paced");
        assertFalse(otherContainer.paced(PAGE, now), "and this container stops asking");
    }

    @Test
    void anotherPageIsNeverPaced() {
        Instant now = Instant.parse("2026-12-07T10:00:00Z");
        throttledHere.throttled(PAGE, Duration.ofSeconds(5), now, Deadline.none());
        assertFalse(throttledHere.paced("999", now));
        assertEquals(now, throttledHere.slot("999", now, Deadline.none()));
    }
}
