package io.wharf.core.spi.events;

import org.osgi.annotation.versioning.ProviderType;

/** Publishes events to every subscriber and to the daemon's recent-events buffer. */
@ProviderType
public interface EventPublisher {

    void publish(Event event);
}
