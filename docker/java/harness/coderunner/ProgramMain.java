package coderunner;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Whole-program mode: {@code ProgramMain <class> <file>} runs the user's
 * {@code main(String[])} with no arguments, as {@code java <class>} would, but an
 * uncaught exception prints its stack trace trimmed to the user's file and exits 1,
 * and running out of stack or heap exits {@link Harness#EXIT_MEMORY}.
 */
public final class ProgramMain {
    private ProgramMain() {}

    public static void main(String[] args) throws ReflectiveOperationException {
        Method main = Class.forName(args[0], false, ProgramMain.class.getClassLoader())
            .getMethod("main", String[].class);
        main.setAccessible(true);  // a main in a class that is not public
        String userFile = args[1];
        try {
            main.invoke(null, (Object) new String[0]);
        } catch (InvocationTargetException wrapped) {
            Throwable exc = wrapped.getCause();
            System.out.flush();
            if (exc instanceof StackOverflowError || exc instanceof OutOfMemoryError) {
                System.err.println(exc.getClass().getName());
                System.err.flush();
                Runtime.getRuntime().halt(Harness.EXIT_MEMORY);
            }
            System.err.print("Exception in thread \"main\" " + Harness.trimmedTrace(exc, userFile));
            System.err.flush();
            Runtime.getRuntime().halt(Harness.EXIT_RAISED);
        }
        System.out.flush();
    }
}
