package dev.portkeeper.example;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Boot web application that calls an upstream through RestClient. Nothing in it mentions
 * Portkeeper: the starter on the class path puts the RestClient on a pooled connection, watches
 * the port budget and adds the {@code portkeeper} health and meters.
 */
@SpringBootApplication(proxyBeanMethods = false)
public class ExampleApplication {

    public static void main(String[] args) {
        SpringApplication.run(ExampleApplication.class, args);
    }
}
