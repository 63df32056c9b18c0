package dev.portkeeper.example;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

/** GET /quote asks the upstream for one, the usual way: a RestClient from Boot's builder. */
@RestController
class QuoteController {
    private final RestClient upstream;

    QuoteController(RestClient.Builder builder, @Value("${example.upstream-url}") String upstreamUrl) {
        this.upstream = builder.baseUrl(upstreamUrl).build();
    }

    @GetMapping("/quote")
    String quote() {
        return upstream.get().uri("/quote").retrieve().body(String.class);
    }
}
