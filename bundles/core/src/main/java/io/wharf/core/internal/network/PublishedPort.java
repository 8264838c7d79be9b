package io.wharf.core.internal.network;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** A published port's host end, as NetworkSettings.Ports shows it. */
@JsonNaming(PropertyNamingStrategies.UpperCamelCaseStrategy.class)
public record PublishedPort(String hostIp, String hostPort) {
}
