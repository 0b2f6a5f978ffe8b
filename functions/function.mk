# Included by functions/<name>/Makefile (which sets FUNCTION := <name>). SAM CLI's makefile build
# method (Metadata: BuildMethod: makefile in template.yaml) runs, for each function,
#     make --makefile <CodeUri>/Makefile build-<LogicalId>
# with ARTIFACTS_DIR set to that function's directory under .aws-sam/build and the working
# directory set to a scratch copy of <CodeUri>. The copy holds neither the parent pom nor the
# shared modules, so Maven runs in the repository itself, found from this file's own path.
# Try a target as SAM calls it:
#     make -C functions/send-api build-SendApiFunction ARTIFACTS_DIR=$(mktemp -d)

REPO_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
JAR := $(REPO_ROOT)/functions/$(FUNCTION)/target/$(FUNCTION).jar
JAR_TOOL := $(if $(JAVA_HOME),$(JAVA_HOME)/bin/jar,jar)
# Builds the jars when they are missing or stale (one Maven run for all functions). Tests that
# already built them set BUILD_JARS=true to check only the unpacking.
BUILD_JARS := "$(REPO_ROOT)/bin/build-function-jars"

.PHONY: artifact

# Lambda's Java runtime puts the root of the deployment package (and lib/*.jar) on the class path:
# the shaded jar is unpacked so the handler's classes sit at the root of ARTIFACTS_DIR.
artifact:
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set (SAM CLI sets it; by hand: make build-<LogicalId> ARTIFACTS_DIR=<dir>)" >&2; exit 1; }
	$(BUILD_JARS)
	mkdir -p "$(ARTIFACTS_DIR)"
	cd "$(ARTIFACTS_DIR)" && "$(JAR_TOOL)" xf "$(JAR)"
