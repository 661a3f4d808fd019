import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { HubEngine } from '../engine/face-embedder.js';
import { RemoteInference, WORKER_STATES } from '../engine/remote-inference.js';

/** The hub's Prometheus registry and the instruments the rest of the wiring observes into. */
export interface HubMetrics {
  registry: Registry;
  httpSeconds: Histogram<'route' | 'status'>;
  opSeconds: Histogram<'operation'>;
  inferenceSeconds: Histogram;
  databaseSeconds: Histogram;
  auditFailures: Counter;
}

/** /metrics: latencies, the inference queue and, with remote workers, each worker's state. */
export function hubMetrics(engine: HubEngine): HubMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpSeconds = new Histogram({ name: 'frhub_http_request_seconds', help: 'HTTP request latency', labelNames: ['route', 'status'], registers: [registry] });
  const opSeconds = new Histogram({ name: 'frhub_graphql_operation_seconds', help: 'GraphQL operation latency', labelNames: ['operation'], registers: [registry] });
  const inferenceSeconds = new Histogram({ name: 'frhub_inference_seconds', help: 'time to embed one probe or enrollment photo', registers: [registry] });
  const databaseSeconds = new Histogram({ name: 'frhub_database_seconds', help: 'database statement and transaction latency (vector queries included)', registers: [registry] });
  new Gauge({ name: 'frhub_inference_queue_depth', help: 'photos sent to the inference thread and not yet answered (FRHUB_INFLIGHT_PHOTOS bounds it)', registers: [registry], collect() { this.set(engine.status().inFlight); } });
  new Gauge({ name: 'frhub_inference_inflight_bytes', help: 'encoded bytes of those photos (FRHUB_INFLIGHT_BYTES bounds it)', registers: [registry], collect() { this.set(engine.status().inFlightBytes); } });
  new Gauge({ name: 'frhub_inference_faces_waiting', help: 'faces waiting for the landmark net or the recognizer inside the inference thread', registers: [registry], collect() { this.set(engine.status().queueDepth); } });
  new Gauge({ name: 'frhub_inference_thread_restarts', help: 'times a dead inference thread was replaced', registers: [registry], collect() { this.set(engine.status().restarts); } });
  if (engine instanceof RemoteInference) {
    new Gauge({ name: 'frhub_inference_workers', help: 'inference workers (FRHUB_INFERENCE_URLS) in each state: up, down, draining, mismatched', labelNames: ['state'], registers: [registry], collect() {
      const states = engine.workers().map((w) => w.state);
      for (const state of WORKER_STATES) this.set({ state }, states.filter((s) => s === state).length);
    } });
    // /metrics is anonymous: a worker is named by its place in FRHUB_INFERENCE_URLS (0, 1, …), never by its address
    new Gauge({ name: 'frhub_inference_worker_up', help: '1 while an inference worker takes calls, else 0 (worker: its index in FRHUB_INFERENCE_URLS, from 0)', labelNames: ['worker'], registers: [registry], collect() {
      engine.workers().forEach((w, i) => this.set({ worker: String(i) }, w.state === 'up' ? 1 : 0));
    } });
    new Gauge({ name: 'frhub_inference_worker_in_flight', help: "this hub's calls on each inference worker not yet answered (worker: its index in FRHUB_INFERENCE_URLS, from 0)", labelNames: ['worker'], registers: [registry], collect() {
      engine.workers().forEach((w, i) => this.set({ worker: String(i) }, w.inFlight));
    } });
  }
  const auditFailures = new Counter({ name: 'frhub_audit_failures_total', help: 'refused attempts that could not be written to the audit chain', registers: [registry] });
  return { registry, httpSeconds, opSeconds, inferenceSeconds, databaseSeconds, auditFailures };
}
