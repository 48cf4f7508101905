package org.marginkernels.gpu.cuda;

import java.lang.invoke.MethodHandle;

/** Invokes a downcall handle that returns a C int status, rethrowing what the call threw unchecked. */
final class NativeCalls {

    private NativeCalls() {
    }

    /** {@code handle(args)} as an int status. */
    static int status(MethodHandle handle, Object... args) {
        try {
            return (int) handle.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native call failed", t);
        }
    }
}
