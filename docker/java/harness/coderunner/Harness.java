package coderunner;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.lang.reflect.Array;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.opentest4j.AssertionFailedError;

/**
 * The function-mode harness: one JVM runs one test. Mirrored by
 * coderunner.languages.java (toolchain.py for the command line and exit codes, judge.py
 * for the report).
 *
 * <p>{@code Harness <tests class> <user file> <tests file> <nonce> <index> value|custom}
 * takes the nonce out of the process's command line before any of the user's code runs
 * (it lives on in this method's stack only: no field holds it, so reflection cannot reach
 * it), calls the generated class's {@code static Object call(int)} for test
 * {@code index} and writes {@code nonce \n kind \n payload} once on fd 3, then halts: the
 * user's shutdown hooks and threads never run after the report. A process that exits or
 * halts before that writes no report, and a report without the nonce is worthless.
 *
 * <p>The generated class is found by name, never named by this jar, and the generated
 * class never names the harness: a student's class may have any name, even one of ours.
 * A {@code value} test reports what {@code call} returned, rendered as a literal; a
 * {@code custom} test (the body of a JUnit 5 test method) reports {@code passed} when
 * the body returned, or {@code failed} with JUnit's expected, actual and message.
 */
public final class Harness {
    public static final int EXIT_RAISED = 1;
    public static final int EXIT_MEMORY = 90;
    private static final int MAX_RENDERED = 4 * 1024 * 1024 - 1024;
    private static final String REPORT = "/proc/self/fd/3";

    private Harness() {}

    public static void main(String[] args) {
        String testsClass = args[0];
        String userFile = args[1];
        String testsFile = args[2];
        String nonce = args[3];
        int index = Integer.parseInt(args[4]);
        boolean custom = "custom".equals(args[5]);
        for (int i = 0; i < args.length; i++) {
            args[i] = "";
        }
        System.clearProperty("sun.java.command");
        scrubCommandLine(nonce);
        FileOutputStream report;
        Method call;
        try {
            report = new FileOutputStream(REPORT);
            call = Class.forName(testsClass, false, Harness.class.getClassLoader())
                .getDeclaredMethod("call", int.class);
            call.setAccessible(true);
        } catch (IOException | ReflectiveOperationException exc) {
            System.err.println("coderunner: cannot start the test: " + exc);
            Runtime.getRuntime().halt(EXIT_RAISED);
            return;
        }
        PrintStream out = System.out;
        PrintStream err = System.err;
        if (custom) {
            confine();
        }
        String kind;
        String payload;
        int exit = 0;
        try {
            Object returned = invoke(call, index);
            StringBuilder text = new StringBuilder();
            if (custom) {
                kind = "passed";
                payload = "";
            } else if (render(returned, text, 0)) {
                kind = "value";
                payload = text.toString();
            } else {
                kind = "not_plain";
                payload = text.toString();
            }
        } catch (StackOverflowError | OutOfMemoryError exc) {
            kind = "memory";
            payload = exc.getClass().getName();
            exit = EXIT_MEMORY;
        } catch (AssertionError exc) {
            if (custom) {
                kind = "failed";
                payload = failure(exc, testsFile);
            } else {
                kind = "raised";
                payload = describe(exc);
                err.print(trimmedTrace(exc, userFile));
                exit = EXIT_RAISED;
            }
        } catch (Throwable exc) {
            kind = "raised";
            payload = describe(exc);
            err.print(trimmedTrace(exc, userFile));
            exit = EXIT_RAISED;
        }
        out.flush();
        err.flush();
        byte[] data = (nonce + "\n" + kind + "\n" + payload).getBytes(StandardCharsets.UTF_8);
        try {
            report.write(data);
            report.flush();
        } catch (IOException exc) {
            // The user's code closed the channel: no report, and the test is not passed.
        }
        Runtime.getRuntime().halt(exit);
    }

    /**
     * For a custom body, whose pass is the report's claim alone: from here on, the user's
     * code runs under the security policy the command line names (docker/java/tests.policy):
     * no file it did not open (so neither /proc/self/mem nor the generated source), no
     * native code, no private members of other classes. A value test needs none of this
     * (a forged report could only claim a value, which is compared outside with an expected
     * value the JVM never saw), and starts about 70 ms of CPU faster without it. The JDK's warning that the security manager is
     * deprecated goes to the process's first stderr, before any of the user's output;
     * judge.py takes it off again.
     */
    @SuppressWarnings("removal")
    private static void confine() {
        System.setSecurityManager(new SecurityManager());
    }

    private static Object invoke(Method call, int index) throws Throwable {
        try {
            return call.invoke(null, index);
        } catch (InvocationTargetException wrapped) {
            throw wrapped.getCause();
        }
    }

    /**
     * A failed assertion as the literal {@code [line, expected, actual, message]}: the
     * line of the generated tests file it was raised at (0 if none), JUnit's string
     * representations of the expected and actual values (null when it has none).
     */
    private static String failure(AssertionError exc, String testsFile) {
        Object expected = null;
        Object actual = null;
        if (exc instanceof AssertionFailedError) {
            AssertionFailedError junit = (AssertionFailedError) exc;
            expected = junit.isExpectedDefined() ? junit.getExpected().getStringRepresentation() : null;
            actual = junit.isActualDefined() ? junit.getActual().getStringRepresentation() : null;
        }
        int line = 0;
        for (StackTraceElement frame : exc.getStackTrace()) {
            if (testsFile.equals(frame.getFileName())) {
                line = frame.getLineNumber();
                break;
            }
        }
        String message = exc.getMessage() == null ? exc.getClass().getName() : exc.getMessage();
        StringBuilder text = new StringBuilder();
        render(new Object[] {line, expected, actual, message}, text, 0);
        return text.toString();
    }

    /** Overwrite the nonce in this process's argv memory (what /proc/self/cmdline shows). */
    private static void scrubCommandLine(String nonce) {
        if (nonce.isEmpty()) {
            return;
        }
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"), StandardCharsets.ISO_8859_1);
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long start = Long.parseLong(fields[45]);
            long end = Long.parseLong(fields[46]);
            byte[] secret = nonce.getBytes(StandardCharsets.ISO_8859_1);
            try (RandomAccessFile memory = new RandomAccessFile("/proc/self/mem", "rw")) {
                byte[] argv = new byte[(int) (end - start)];
                memory.seek(start);
                memory.readFully(argv);
                for (int i = 0; i + secret.length <= argv.length; i++) {
                    if (java.util.Arrays.equals(argv, i, i + secret.length, secret, 0, secret.length)) {
                        memory.seek(start + i);
                        memory.write("0".repeat(secret.length).getBytes(StandardCharsets.ISO_8859_1));
                    }
                }
            }
        } catch (IOException | RuntimeException exc) {
            System.err.println("coderunner: cannot hide the test's secret: " + exc);
            Runtime.getRuntime().halt(EXIT_RAISED);
        }
    }

    /** The exception's class and message, never its (user-defined) toString. */
    private static String describe(Throwable exc) {
        String message = exc.getMessage();
        return exc.getClass().getName() + (message == null ? "" : ": " + message);
    }

    /** The stack trace with only the frames of the user's own file (and its causes). */
    static String trimmedTrace(Throwable exc, String userFile) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = exc; t != null && text.length() < 64 * 1024; t = t.getCause() == t ? null : t.getCause()) {
            text.append(t == exc ? "" : "Caused by: ").append(describe(t)).append('\n');
            for (StackTraceElement frame : t.getStackTrace()) {
                if (userFile.equals(frame.getFileName())) {
                    text.append("\tat ").append(frame).append('\n');
                }
            }
        }
        return text.toString();
    }

    /**
     * Render a returned value as a literal: numbers, booleans, chars, strings, null, and
     * arrays, lists, sets and maps of them. Only JDK types whose text cannot lie are
     * rendered; any other object makes this false, with its class name in {@code text}.
     */
    static boolean render(Object value, StringBuilder text, int depth) {
        if (text.length() > MAX_RENDERED || depth > 100) {
            text.setLength(0);
            text.append("a value too large or too deeply nested to report");
            return false;
        }
        if (value == null) {
            text.append("null");
        } else if (value instanceof Integer || value instanceof Long || value instanceof Short
                || value instanceof Byte || value instanceof Boolean
                || value instanceof java.math.BigInteger) {
            text.append(value);
        } else if (value instanceof Double || value instanceof Float) {
            double number = ((Number) value).doubleValue();
            text.append(Double.isFinite(number) ? value.toString() : "\"" + value + "\"");
        } else if (value instanceof Character) {
            text.append('\'');
            escape((Character) value, '\'', text);
            text.append('\'');
        } else if (value instanceof String) {
            text.append('"');
            ((String) value).codePoints().forEach(c -> escape(c, '"', text));
            text.append('"');
        } else if (value.getClass().isArray()) {
            text.append('[');
            int length = Array.getLength(value);
            for (int i = 0; i < length; i++) {
                text.append(i == 0 ? "" : ", ");
                if (!render(Array.get(value, i), text, depth + 1)) {
                    return false;
                }
            }
            text.append(']');
        } else if (!fromTheJdk(value)) {
            // A user's List, Set or Map could make its own elements up as it is read.
            return notPlain(value, text);
        } else if (value instanceof List<?>) {
            return renderAll('[', new ArrayList<>((List<?>) value), text, depth);
        } else if (value instanceof Set<?>) {
            return renderAll('{', new ArrayList<>((Set<?>) value), text, depth);
        } else if (value instanceof Map<?, ?>) {
            List<Object> flat = new ArrayList<>();
            for (Map.Entry<?, ?> entry : new ArrayList<>(((Map<?, ?>) value).entrySet())) {
                flat.add(entry.getKey());
                flat.add(entry.getValue());
            }
            text.append('{');
            for (int i = 0; i < flat.size(); i += 2) {
                text.append(i == 0 ? "" : ", ");
                if (!render(flat.get(i), text, depth + 1)) {
                    return false;
                }
                text.append(": ");
                if (!render(flat.get(i + 1), text, depth + 1)) {
                    return false;
                }
            }
            text.append('}');
        } else {
            return notPlain(value, text);
        }
        return true;
    }

    private static boolean renderAll(char open, Collection<?> items, StringBuilder text, int depth) {
        text.append(open);
        boolean first = true;
        for (Object item : items) {
            text.append(first ? "" : ", ");
            first = false;
            if (!render(item, text, depth + 1)) {
                return false;
            }
        }
        text.append(open == '{' ? '}' : ']');
        return true;
    }

    private static boolean fromTheJdk(Object value) {
        return value.getClass().getName().startsWith("java.util.");
    }

    private static boolean notPlain(Object value, StringBuilder text) {
        text.setLength(0);
        text.append("returned an object of class ").append(value.getClass().getName())
            .append("; only numbers, booleans, chars, strings, arrays, lists, sets and maps of them can be compared");
        return false;
    }

    /** Escapes as the shared literal grammar reads them; a lone surrogate stays unreadable. */
    private static void escape(int c, char quote, StringBuilder text) {
        if (c == quote || c == '\\') {
            text.append('\\').appendCodePoint(c);
        } else if (c == '\n') {
            text.append("\\n");
        } else if (c == '\t') {
            text.append("\\t");
        } else if (c == '\r') {
            text.append("\\r");
        } else if (c < 0x20 || c == 0x7f || (c >= 0xd800 && c <= 0xdfff)) {
            text.append(String.format("\\u%04x", c));
        } else {
            text.appendCodePoint(c);
        }
    }
}
