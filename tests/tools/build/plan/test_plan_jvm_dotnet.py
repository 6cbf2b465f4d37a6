"""Java (Maven, Gradle, Spring Boot), Scala, Clojure, and .NET (C#, F#) apps in both formats."""

from __future__ import annotations

import pytest

from plan_helpers import NO_APP, case_params, check, no_real_tools, write_app  # noqa: F401  (fixture)

MVN = "-DoutputFile=target/mvn-dependency-list.log -B -DskipTests clean dependency:list install"
SPRING_POM = ("<project><parent><groupId>org.springframework.boot</groupId>"
              "<artifactId>spring-boot-starter-parent</artifactId></parent></project>")
WRAPPER = "gradle/wrapper/gradle-wrapper.properties"
SBT_START = "./target/universal/stage/bin/main"
JAR_START = ('JAR_FILE=$(find /app/target -name "*-standalone.jar" -o -name "*.jar" ! -name "*-SNAPSHOT.jar" | '
             'head -n 1) && bash -c "java $JAVA_OPTS -jar $JAR_FILE"')
MOVE = ('if [ -d /app/target/default+uberjar ]; then find /app/target/default+uberjar -name "*.jar" '
        "-exec mv -t /app/target/ {} +; fi")
RP_DOTNET = "ASPNETCORE_URLS=http://0.0.0.0:${PORT:-3000} ./out/"

JAVA = [
    ("maven-spring", {"pom.xml": SPRING_POM, "src/main/java/App.java": ""},
     {"nixpacks": {"provider": "java", "start": "java -Dserver.port=$PORT $JAVA_OPTS -jar target/*jar",
                   "build": [f"mvn {MVN}"], "nix_pkgs": ["jdk17", "maven"], "port": 8080,
                   "runtimes": [("java", "17", "default")], "framework": "spring-boot"},
      "railpack": {"provider": "java", "start": "java -Dserver.port=$PORT $JAVA_OPTS -jar target/*jar",
                   "build": [f"mvn {MVN} -Pproduction"], "runtimes": [("java", "21", "default")]}}),
    ("gradle-plain", {"gradlew !x": "#!/bin/sh\n", WRAPPER: "distributionUrl=https\\://x/gradle-7.6-bin.zip\n",
                      "build.gradle": "plugins { id 'application' }\n"},
     {"nixpacks": {"provider": "java", "start": "java $JAVA_OPTS -jar  $(ls -1 build/libs/*jar | grep -v plain)",
                   "build": ["./gradlew clean build -x check -x test"], "nix_pkgs": ["jdk17", "gradle_7"],
                   "runtimes": [("gradle", "7.6", WRAPPER)], "package_manager": "gradle"},
      "railpack": {"provider": "java", "start": "java $JAVA_OPTS -jar  $(ls -1 */build/libs/*jar | grep -v plain)",
                   "build": ["./gradlew clean build -x check -x test -Pproduction"]}}),
    ("gradle-spring-old", {"gradlew": "", WRAPPER: "distributionUrl=https\\://x/gradle-5.6.4-all.zip\n",
                           "build.gradle": "plugins { id 'org.springframework.boot' version '2.1.0' }\n"},
     {"nixpacks": {"provider": "java", "build": ["chmod +x gradlew", "./gradlew clean build -x check -x test"],
                   "start": "java $JAVA_OPTS -jar -Dserver.port=$PORT $(ls -1 build/libs/*jar | grep -v plain)",
                   "nix_pkgs": ["jdk8", "gradle_5"], "runtimes": [("java", "8", "gradle <= 5")]},
      "railpack": {"provider": "java", "runtimes": [("java", "8", "gradle <= 5")],
                   "build": ["chmod +x gradlew", "./gradlew clean build -x check -x test -Pproduction"],
                   "start": "java $JAVA_OPTS -jar -Dserver.port=$PORT $(ls -1 */build/libs/*jar | grep -v plain)"}}),
    ("maven-wrapper", {"pom.xml": "<project/>", "mvnw": "", ".mvn/wrapper/maven-wrapper.properties": ""},
     {"nixpacks": {"provider": "java", "start": "java  $JAVA_OPTS -jar target/*jar",
                   "build": [f"chmod +x ./mvnw && ./mvnw {MVN}"]},
      "railpack": {"provider": "java", "start": "java  $JAVA_OPTS -jar target/*jar",
                   "build": ["chmod +x mvnw", f"./mvnw {MVN} -Pproduction"]}}),
]

JVM_OTHER = [
    ("scala-sbt", {"build.sbt": 'name := "app"\n'},
     {"nixpacks": {"provider": "scala", "start": SBT_START, "build": ["sbt stage"],
                   "nix_pkgs": ["(sbt.override { jre = jdk17; })"]}, "railpack": NO_APP}),
    ("scala-plugins", {"build.sbt": "", "project/plugins.sbt": 'addSbtPlugin("com.github.sbt" % "sbt-native")\n',
                       "src/main/scala/Main.scala": ""},
     {"nixpacks": {"provider": "scala", "start": SBT_START, "package_manager": "sbt"}, "railpack": NO_APP}),
    ("scala-jdk21", {"build.sbt": ""},
     {"nixpacks": {"provider": "scala", "start": SBT_START, "env": {"NIXPACKS_JDK_VERSION": "21"},
                   "nix_pkgs": ["(sbt.override { jre = jdk21; })"], "runtimes": [("java", "21", "NIXPACKS_JDK_VERSION")]},
      "railpack": NO_APP}),
    ("clojure-lein", {"project.clj": "(defproject app \"0.1\")\n"},
     {"nixpacks": {"provider": "clojure", "start": JAR_START, "build": [f"lein uberjar; {MOVE}"],
                   "nix_pkgs": ["leiningen", "jdk8"]}, "railpack": NO_APP}),
    ("clojure-ring", {"project.clj": "(defproject app \"0.1\" :plugins [[lein-ring \"0.12.6\"]])\n",
                      ".jdk-version": "11\n"},
     {"nixpacks": {"provider": "clojure", "start": JAR_START, "build": [f"lein ring uberjar; {MOVE}"],
                   "nix_pkgs": ["leiningen", "jdk11"], "runtimes": [("java", "11", ".jdk-version")]},
      "railpack": NO_APP}),
    ("clojure-tools-build", {"build.clj": "(ns build)\n", "deps.edn": "{}"},
     {"nixpacks": {"provider": "clojure", "start": JAR_START, "build": [f"clojure -T:build uber; {MOVE}"]},
      "railpack": NO_APP}),
]

DOTNET = [
    ("csharp-cli", {"app.csproj": "<Project><PropertyGroup><TargetFramework>net8.0</TargetFramework>"
                                  "</PropertyGroup></Project>", "Program.cs": ""},
     {"nixpacks": {"provider": "c#", "start": "./out/app", "install": ["dotnet restore"],
                   "build": ["dotnet publish --no-restore -c Release -o out"], "nix_pkgs": ["dotnet-sdk"],
                   "runtimes": [("dotnet", "6", "default")], "port": 3000},
      "railpack": {"provider": "dotnet", "start": RP_DOTNET + "app", "install": ["dotnet restore"],
                   "build": ["dotnet publish --no-restore -c Release -o out"],
                   "runtimes": [("dotnet", "8.0", "app.csproj")]}}),
    ("csharp-global-json", {"api.csproj": '<Project Sdk="Microsoft.NET.Sdk.Web"><PropertyGroup>'
                                          "<TargetFramework>net7.0</TargetFramework></PropertyGroup></Project>",
                            "global.json": '{"sdk": {"version": "7.0.100"}}'},
     {"nixpacks": {"provider": "c#", "start": "./out/api", "nix_pkgs": ["dotnet-sdk_7"], "framework": "aspnetcore",
                   "runtimes": [("dotnet", "7.0.100", "global.json")]},
      "railpack": {"provider": "dotnet", "start": RP_DOTNET + "api", "runtimes": [("dotnet", "7.0", "api.csproj")]}}),
    ("fsharp", {"hello.fsproj": "<Project><PropertyGroup><TargetFramework>net6.0</TargetFramework>"
                                "</PropertyGroup></Project>", "Program.fs": ""},
     {"nixpacks": {"provider": "f#", "start": "./out/hello", "nix_pkgs": ["dotnet-sdk"], "language": "fsharp"},
      "railpack": NO_APP}),
]


@pytest.mark.parametrize("name,files,fmt,exp", case_params(JAVA + JVM_OTHER + DOTNET))
def test_jvm_and_dotnet_apps(tmp_path, name, files, fmt, exp):
    check(write_app(tmp_path / name, files), fmt, exp)


def test_jdk_version_env_var(tmp_path):
    app = write_app(tmp_path / "j", {"pom.xml": "<project/>"})
    check(app, "nixpacks", {"provider": "java", "start": "java  $JAVA_OPTS -jar target/*jar",
                            "nix_pkgs": ["jdk11", "maven"], "runtimes": [("java", "11", "NIXPACKS_JDK_VERSION")]},
          {"NIXPACKS_JDK_VERSION": "11"})
    check(app, "railpack", {"provider": "java", "start": "java  $JAVA_OPTS -jar target/*jar",
                            "runtimes": [("java", "17", "RAILPACK_JDK_VERSION")]}, {"RAILPACK_JDK_VERSION": "17"})


def test_scala_runs_in_a_jre_image(tmp_path):
    app = write_app(tmp_path / "s", {"build.sbt": ""})
    start = check(app, "nixpacks", {"provider": "scala", "start": SBT_START}).rendered["start"]
    assert start["runImage"] == "eclipse-temurin:17.0.9_9-jre-jammy"
    assert start["onlyIncludeFiles"] == ["./target/universal"]
