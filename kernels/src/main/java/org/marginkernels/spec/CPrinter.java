package org.marginkernels.spec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.marginkernels.spec.Expr.Binary;
import org.marginkernels.spec.Expr.Compare;
import org.marginkernels.spec.Expr.Const;
import org.marginkernels.spec.Expr.Param;
import org.marginkernels.spec.Expr.Select;
import org.marginkernels.spec.Expr.StraightThrough;
import org.marginkernels.spec.Expr.Unary;
import org.marginkernels.spec.Expr.Var;

/**
 * Prints an expression as a single-precision C function for OpenCL C or CUDA C. The output is deterministic: a
 * subexpression used more than once becomes a {@code const float tN} named in order of first use (post-order), so the
 * same loss always prints the same text and golden files can pin it.
 */
public final class CPrinter {

    private final CDialect dialect;
    private final Map<Expr, Integer> uses = new HashMap<>();
    private final Map<Expr, String> temps = new LinkedHashMap<>();
    private final List<String> lines = new ArrayList<>();

    private CPrinter(CDialect dialect) {
        this.dialect = dialect;
    }

    /** The name of the argument array of printed functions: slot k of an expression prints as {@code args[k]}. */
    public static final String ARGUMENTS = "args";

    /**
     * Prints {@code float name(float c, float fy)}-style function text.
     *
     * @param name the C function name
     * @param body the expression; a straight-through node prints its value side, a {@link Expr.Slot} k
     *     {@code args[k]}
     * @param parameters the variables, in slot order, that become the C parameters
     * @param arguments whether the function takes {@code GLOBAL const float* args} after them
     * @param dialect OpenCL C or CUDA C
     * @return the function definition, ending with a newline
     */
    public static String function(String name, Expr body, List<Expr.Var> parameters, boolean arguments,
            CDialect dialect) {
        CPrinter p = new CPrinter(dialect);
        p.count(body);
        String result = p.print(body, true);
        StringBuilder sb = new StringBuilder();
        sb.append(dialect.functionPrefix()).append(' ').append(name).append('(');
        for (int i = 0; i < parameters.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append("const float ").append(parameters.get(i).name());
        }
        if (arguments) {
            sb.append(parameters.isEmpty() ? "" : ", ").append("GLOBAL const float* ").append(ARGUMENTS);
        }
        sb.append(") {\n");
        for (String line : p.lines) {
            sb.append("    ").append(line).append('\n');
        }
        sb.append("    return ").append(result).append(";\n}\n");
        return sb.toString();
    }

    /**
     * The device functions of a loss, exactly as a GPU program includes them: mk_negative g(c, fy), mk_negative_grad
     * dg/dc and mk_negative_target_grad dg/dfy (identity, 1 and 0 when the spec has no negative transform), printed
     * from {@link KernelSpec#negativeArguments()}: the loss's parameters are read from the kernel argument
     * {@code args}, never printed, so one program serves every parameter value. These are the only loss-dependent
     * part of a program: f(c_y) and f'(c_y), one value per row, are evaluated on the host in double, as the
     * reference does, and the row term F(lp) as well.
     *
     * @param spec the loss. Not modified.
     * @param dialect OpenCL C or CUDA C
     */
    public static String lossFunctions(KernelSpec spec, CDialect dialect) {
        List<Expr.Var> cfy = List.of(Exprs.COSINE, Exprs.TARGET);
        List<Expr> fns = spec.negativeArguments().structure();
        return function("mk_negative", fns.get(0), cfy, true, dialect) + "\n"
                + function("mk_negative_grad", fns.get(1), cfy, true, dialect) + "\n"
                + function("mk_negative_target_grad", fns.get(2), cfy, true, dialect) + "\n";
    }

    /**
     * The device functions of a regression loss ({@link RegressionSpec}): mk_regression l(x, y) and
     * mk_regression_grad dl/dx, printed from {@link RegressionSpec#arguments()}, so the loss's parameters are read
     * from the kernel argument {@code args} and one program serves every parameter value.
     *
     * @param spec the loss. Not modified.
     * @param dialect OpenCL C or CUDA C
     */
    public static String regressionFunctions(RegressionSpec spec, CDialect dialect) {
        List<Expr.Var> xy = List.of(Exprs.RESIDUAL, Exprs.REGRESSION_TARGET);
        List<Expr> fns = spec.arguments().structure();
        return function("mk_regression", fns.get(0), xy, true, dialect) + "\n"
                + function("mk_regression_grad", fns.get(1), xy, true, dialect) + "\n";
    }

    /** Prints a single expression (no temporaries), for inline use and for tests. */
    public static String expression(Expr e, CDialect dialect) {
        return new CPrinter(dialect).print(e, false);
    }

    private void count(Expr e) {
        if (uses.merge(e, 1, Integer::sum) > 1) {
            return;
        }
        switch (e) {
            case Unary u -> count(u.arg());
            case Binary b -> {
                count(b.left());
                count(b.right());
            }
            case Compare c -> {
                count(c.left());
                count(c.right());
            }
            case Select s -> {
                count(s.condition());
                count(s.ifTrue());
                count(s.ifFalse());
            }
            case StraightThrough st -> count(st.value());
            default -> {
            }
        }
    }

    private String print(Expr e, boolean share) {
        String temp = temps.get(e);
        if (temp != null) {
            return temp;
        }
        String text = switch (e) {
            case Const c -> literal(c.value());
            case Param p -> literal(p.value());
            case Expr.Slot slot -> ARGUMENTS + "[" + slot.index() + "]";
            case Var v -> v.name();
            case Unary u -> u.op() == Expr.UnaryOp.NEG
                    ? "(-" + print(u.arg(), share) + ")"
                    : dialect.unaryName(u.op()) + "(" + print(u.arg(), share) + ")";
            case Binary b -> binary(b, share);
            case Compare c -> "(" + print(c.left(), share) + " " + compareOperator(c.op()) + " "
                    + print(c.right(), share) + ")";
            case Select s -> "(" + print(s.condition(), share) + " ? " + print(s.ifTrue(), share) + " : "
                    + print(s.ifFalse(), share) + ")";
            case StraightThrough st -> print(st.value(), share);
        };
        boolean compound = e instanceof Unary || e instanceof Binary || e instanceof Select;
        if (share && compound && uses.getOrDefault(e, 0) > 1) {
            String name = "t" + temps.size();
            temps.put(e, name);
            lines.add("const float " + name + " = " + text + ";");
            return name;
        }
        return text;
    }

    private String binary(Binary b, boolean share) {
        String l = print(b.left(), share);
        String r = print(b.right(), share);
        return switch (b.op()) {
            case ADD -> "(" + l + " + " + r + ")";
            case SUB -> "(" + l + " - " + r + ")";
            case MUL -> "(" + l + " * " + r + ")";
            case DIV -> "(" + l + " / " + r + ")";
            case MIN, MAX, POW -> dialect.binaryName(b.op()) + "(" + l + ", " + r + ")";
        };
    }

    private static String compareOperator(Expr.CompareOp op) {
        return switch (op) {
            case LT -> "<";
            case LE -> "<=";
            case GT -> ">";
            case GE -> ">=";
        };
    }

    // shortest decimal that round-trips the float; C accepts Java's "1.0E-7" form with an f suffix
    private String literal(double value) {
        float f = (float) value;
        String digits = Float.isInfinite(f) ? (f > 0 ? "INFINITY" : "(-INFINITY)") : Float.toString(f) + "f";
        return f < 0 && !Float.isInfinite(f) ? "(" + digits + ")" : digits;
    }
}
