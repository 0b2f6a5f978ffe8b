package ai.joinchat.push.concurrent;

import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JitterTest {

    @Test
    void drawsEveryValueFromTheLowestToTheHighestAndNoneOutside() {
        Set<Long> drawn = new TreeSet<>();
        for (int i = 0; i < 2_000; i++) {
            long value = Jitter.millis(3, 7);
            assertTrue(value >= 3 && value <= 7, "drawn " + value);
            drawn.add(value);
        }
        assertEquals(Set.of(3L, 4L, 5L, 6L, 7L), drawn);
    }

    @Test
    void aRangeOfOneValueDrawsIt() {
        assertEquals(0, Jitter.millis(0, 0));
    }
}
