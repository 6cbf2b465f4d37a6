"""JVM languages: Java (Maven, Gradle, Spring Boot), Scala (sbt) and Clojure (Leiningen, tools.build)."""

from __future__ import annotations

import re

from ..context import PlanContext, ProviderSpec
from ..files import AppFiles

JAVA_ARCHIVE = "59dc10b5a6f2a592af36375c68fda41246794b86"
NIX_JDK = {21: "jdk21", 20: "jdk20", 19: "jdk", 17: "jdk17", 11: "jdk11", 8: "jdk8"}
NIX_GRADLE = {8: "gradle", 7: "gradle_7", 6: "gradle_6", 5: "gradle_5", 4: "gradle_4"}
POM_FILES = ("pom.xml", "pom.atom", "pom.clj", "pom.groovy", "pom.rb", "pom.scala", "pom.yaml", "pom.yml")
SCALA_RUN_IMAGES = {21: "eclipse-temurin:21.0.1_12-jre-jammy", 20: "eclipse-temurin:20.0.2_9-jre-jammy",
                    19: "eclipse-temurin:19.0.2_7-jre-jammy", 11: "eclipse-temurin:11.0.21_9-jre-jammy",
                    8: "eclipse-temurin:8u392-b08-jre-jammy", 17: "eclipse-temurin:17.0.9_9-jre-jammy"}


def detect_java(files: AppFiles, flavor: str, env: dict[str, str]) -> bool:
    return bool(files.any(*POM_FILES, "gradlew")) or any(files.has_dir(p) for p in POM_FILES[1:4])


def gradle_file(files: AppFiles) -> str:
    return files.read("build.gradle") or files.read("build.gradle.kts") or ""


def is_spring_gradle(text: str) -> bool:
    return any(s in text for s in ("org.springframework.boot:spring-boot", "spring-boot-gradle-plugin",
                                   "org.springframework.boot", "org.grails:grails-"))


def maven_port(files: AppFiles) -> str:
    pom = files.read("pom.xml") or ""
    if "<groupId>org.wildfly.swarm" in pom:
        return "-Dswarm.http.port=$PORT"
    if "<groupId>org.springframework.boot" in pom and "<artifactId>spring-boot" in pom:
        return "-Dserver.port=$PORT"
    return ""


def gradle_major(ctx: PlanContext) -> int:
    if ctx.cfg("GRADLE_VERSION"):
        ctx.runtime("gradle", ctx.cfg("GRADLE_VERSION") or "", ctx.cfg_name("GRADLE_VERSION"))
        return int(re.match(r"\d+", ctx.cfg("GRADLE_VERSION") or "8").group(0))  # type: ignore[union-attr]
    m = re.search(r"distributionUrl\S*?gradle-([0-9.]+)", ctx.files.read("gradle/wrapper/gradle-wrapper.properties")
                  or "")
    if m:
        ctx.runtime("gradle", m.group(1).rstrip("."), "gradle/wrapper/gradle-wrapper.properties")
        return int(m.group(1).split(".")[0])
    ctx.runtime("gradle", "8", "default")
    return 8


def plan_java(ctx: PlanContext) -> None:
    f, plan_ = ctx.files, ctx.plan
    gradle = f.has("gradlew")
    plan_.language, plan_.package_manager = "java", ("gradle" if gradle else "maven")
    spring = is_spring_gradle(gradle_file(f)) if gradle else bool(maven_port(f))
    plan_.framework = "spring-boot" if spring or "spring-boot" in (f.read("pom.xml") or "") else None
    gmajor = gradle_major(ctx) if gradle else 8
    if ctx.cfg("JDK_VERSION"):
        ctx.runtime("java", ctx.cfg("JDK_VERSION") or "", ctx.cfg_name("JDK_VERSION"))
    elif gradle and gmajor <= 5:
        ctx.runtime("java", "8", "gradle <= 5")
    elif gradle and gmajor == 6 and ctx.nix:
        ctx.runtime("java", "11", "gradle 6")
    else:
        ctx.runtime("java", "17" if ctx.nix else "21", "default")
    jdk = int(re.match(r"\d+", ctx.runtime_of("java").version or "17").group(0))  # type: ignore[union-attr]
    build = ctx.phase("build")
    if ctx.nix:
        setup = ctx.phase("setup")
        setup.nixpkgs_archive = JAVA_ARCHIVE
        build.depends_on = ["install", "setup"]
        if gradle:
            setup.nix_pkgs += [NIX_JDK.get(jdk, "jdk17"), NIX_GRADLE.get(gmajor, "gradle")]
            exe = "./gradlew" if f.has("gradle/wrapper/gradle-wrapper.properties") else "gradle"
            if not f.is_executable("gradlew"):
                build.commands.append("chmod +x gradlew")
            build.commands.append(f"{exe} clean build -x check -x test")
            ctx.cache("build", "gradle", "/root/.gradle")
            port = "-Dserver.port=$PORT" if is_spring_gradle(gradle_file(f)) else ""
            start = f"java $JAVA_OPTS -jar {port} $(ls -1 build/libs/*jar | grep -v plain)"
        else:
            setup.nix_pkgs += [NIX_JDK.get(jdk, "jdk17"), "maven"]
            exe = "chmod +x ./mvnw && ./mvnw" if f.has("mvnw") and f.has(".mvn/wrapper/maven-wrapper.properties") \
                else "mvn"
            build.commands.append(f"{exe} -DoutputFile=target/mvn-dependency-list.log -B -DskipTests clean "
                                  "dependency:list install")
            ctx.cache("build", "maven", ".m2/repository")
            start = (f"java {maven_port(f)} $JAVA_OPTS -jar target/*jar" if f.has("pom.xml")
                     else "java $JAVA_OPTS -jar target/*jar")
    else:
        build.depends_on = ["packages:mise"]
        if gradle:
            if not f.is_executable("gradlew"):
                build.commands.append("chmod +x gradlew")
            build.commands.append("./gradlew clean build -x check -x test -Pproduction")
            ctx.cache("build", "gradle", "/root/.gradle")
            port = "-Dserver.port=$PORT" if is_spring_gradle(gradle_file(f)) else ""
            start = f"java $JAVA_OPTS -jar {port} $(ls -1 */build/libs/*jar | grep -v plain)"
        else:
            ctx.runtime("maven", "latest", "default")
            if f.has("mvnw") and not f.is_executable("mvnw"):
                build.commands.append("chmod +x mvnw")
            exe = "./mvnw" if f.has("mvnw") else "mvn"
            build.commands.append(f"{exe} -DoutputFile=target/mvn-dependency-list.log -B -DskipTests clean "
                                  "dependency:list install -Pproduction")
            ctx.cache("build", "maven", ".m2/repository")
            start = (f"java {maven_port(f)} $JAVA_OPTS -jar target/*jar" if f.has("pom.xml")
                     else "java $JAVA_OPTS -jar target/*jar")
        ctx.meta("javaPackageManager", plan_.package_manager)
        ctx.meta("javaFramework", "spring-boot" if spring else "")
    ctx.start(start)
    plan_.port = 8080 if spring else None
    ctx.binaries(f"java>={jdk}", "gradle" if gradle and not f.has("gradlew") else ("mvn" if not gradle else ""))


def detect_scala(files: AppFiles, flavor: str, env: dict[str, str]) -> bool:
    return files.has("build.sbt")


def plan_scala(ctx: PlanContext) -> None:
    jdk = int(ctx.cfg("JDK_VERSION") or 17)
    ctx.runtime("java", str(jdk), ctx.cfg_name("JDK_VERSION") if ctx.cfg("JDK_VERSION") else "default")
    ctx.plan.language, ctx.plan.package_manager = "scala", "sbt"
    ctx.phase("setup").nix_pkgs.append(f"(sbt.override {{ jre = {NIX_JDK.get(jdk, 'jdk17')}; }})"
                                       if jdk != 19 else "(sbt.override { jre = jdk; })")
    build = ctx.cmd("build", "sbt stage")
    build.depends_on = ["install", "setup"]
    for name, d in (("sbt", "/root/.sbt"), ("ivy", "/root/.ivy2/cache"), ("coursier", "/root/.cache/coursier")):
        ctx.cache("build", name, d)
    build.caches.sort(key=lambda c: c.directory)
    ctx.start("./target/universal/stage/bin/main", SCALA_RUN_IMAGES.get(jdk, SCALA_RUN_IMAGES[17]),
              ["./target/universal"])
    ctx.binaries(f"java>={jdk}", "sbt")


def detect_clojure(files: AppFiles, flavor: str, env: dict[str, str]) -> bool:
    return bool(files.any("project.clj", "build.clj"))


def plan_clojure(ctx: PlanContext) -> None:
    f = ctx.files
    tools_build = f.has("build.clj")
    custom = ctx.cfg("JDK_VERSION") or ((f.read(".jdk-version") or "").strip() or None)
    ctx.runtime("java", custom or "8", ctx.cfg_name("JDK_VERSION") if ctx.cfg("JDK_VERSION") else
                (".jdk-version" if custom else "default"))
    jdk = {"latest": "jdk", "11": "jdk11"}.get((custom or "").strip(), "jdk8")
    ctx.plan.language, ctx.plan.package_manager = "clojure", ("clojure" if tools_build else "leiningen")
    ctx.phase("setup").nix_pkgs += ["clojure" if tools_build else "leiningen", jdk]
    if tools_build:
        cmd = "clojure -T:build uber"
    elif "[lein-ring " in (f.read("project.clj") or "").lower():
        cmd = "lein ring uberjar"
    else:
        cmd = "lein uberjar"
    move = ('if [ -d /app/target/default+uberjar ]; then find /app/target/default+uberjar -name "*.jar" '
            "-exec mv -t /app/target/ {} +; fi")
    build = ctx.cmd("build", f"{cmd}; {move}")
    build.depends_on = ["install", "setup"]
    ctx.start('JAR_FILE=$(find /app/target -name "*-standalone.jar" -o -name "*.jar" ! -name "*-SNAPSHOT.jar" | '
              'head -n 1) && bash -c "java $JAVA_OPTS -jar $JAR_FILE"')
    ctx.binaries("java", "clojure" if tools_build else "lein")


JAVA = ProviderSpec("java", "java", {"nixpacks": "java", "railpack": "java"}, detect_java, plan_java)
SCALA = ProviderSpec("scala", "scala", {"nixpacks": "scala"}, detect_scala, plan_scala)
CLOJURE = ProviderSpec("clojure", "clojure", {"nixpacks": "clojure"}, detect_clojure, plan_clojure)
