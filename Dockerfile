# The operator image: the shade jar on a distroless Java 17 runtime, as the distroless nonroot user
# (65532, matching the chart's runAsUser). No shell, no package manager; the chart mounts /tmp.
#   make build && docker build -t ghcr.io/cifederation/operator:0.1.0 .
FROM gcr.io/distroless/java17-debian12:nonroot
COPY operator/target/cifederation-operator.jar /app/cifederation-operator.jar
USER 65532:65532
ENV CIFED_LOG_FORMAT=json
EXPOSE 8080
ENTRYPOINT ["/usr/bin/java", "-jar", "/app/cifederation-operator.jar"]
CMD ["run"]
