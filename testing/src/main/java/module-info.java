/** Property-test support: jqwik arbitraries of edge shapes and extreme cosines, finite differences, tolerances. */
module org.marginkernels.testing {
    requires transitive net.jqwik.api;

    exports org.marginkernels.testing;
}
