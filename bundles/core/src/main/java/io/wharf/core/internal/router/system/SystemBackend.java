package io.wharf.core.internal.router.system;

import java.util.Map;

import io.wharf.core.internal.events.EventHub;

/** What the system routes need from the daemon. */
public interface SystemBackend {

    /** GET /info: the SystemInfo object. */
    Map<String, Object> info();

    /** GET /version: the SystemVersion object. */
    Map<String, Object> version();

    /** Headers every /_ping answer carries besides the version middleware's. */
    Map<String, String> pingHeaders();

    EventHub.Subscription subscribeEvents();

    /** GET /system/df: disk usage of images (containers, volumes and build cache when they exist). */
    Map<String, Object> diskUsage();
}
