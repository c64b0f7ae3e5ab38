package coderunner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.opentest4j.AssertionFailedError;

/** Run once while the image is built, as the generated tests class would be, so that the
 * class-data-sharing archive holds the classes a typical test loads: the harness,
 * collections, lambdas, strings, and JUnit's assertions failing and passing. */
final class Warmup {
    private Warmup() {}

    static List<Integer> evens(int[] values) {
        List<Integer> out = new ArrayList<>();
        for (int v : values) {
            if (v % 2 == 0) {
                out.add(v);
            }
        }
        return out;
    }

    static Object call(int index) {
        assertEquals(List.of(2, 4), evens(new int[] {1, 2, 3, 4}));
        assertArrayEquals(new int[] {1}, new int[] {1});
        assertTrue(index == 0);
        assertThrows(ArithmeticException.class, () -> evens(new int[] {1 / index}));
        try {
            assertEquals(1.5, 2.5, 1e-9, "warm-up");
        } catch (AssertionFailedError expected) {
            expected.getExpected().getStringRepresentation();
        }
        Map<String, Integer> counts = new HashMap<>(Map.of("a", 1));
        Object value = Arrays.asList("a", "b\n", 1.5, 'c', new int[][] {{1}}, List.of(1L, 2L), evens(new int[] {2}),
            counts, new TreeMap<>(counts), new HashSet<>(List.of(1, 2)));
        // Run as a custom body (so that the security manager's classes are archived too),
        // it renders its value itself, as a value test's harness would.
        Harness.render(value, new StringBuilder(), 0);
        return value;
    }
}
