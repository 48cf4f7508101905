# Sourced by the scripts and .ci/run: selects a Java 25 JDK for Maven, or stops with a clear message.
# Order: $JAVA_HOME if it is 25+, then the Temurin 25 JDK that Debian/Adoptium packages install.
mk_java_major() {
    "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p'
}
mk_select_java25() {
    local candidate
    for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk /usr/lib/jvm/java-25-openjdk-amd64; do
        if [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && [ "$(mk_java_major "$candidate")" -ge 25 ] 2>/dev/null; then
            export JAVA_HOME="$candidate"
            export PATH="$JAVA_HOME/bin:$PATH"
            return 0
        fi
    done
    echo "margin-kernels needs a Java 25 JDK: none found in \$JAVA_HOME (${JAVA_HOME:-unset}) or /usr/lib/jvm/temurin-25-jdk-amd64." >&2
    echo "Install Temurin 25 (or any JDK 25) and set JAVA_HOME to it." >&2
    return 1
}
mk_select_java25
