// Produces the seeded synthetic stream (examples/streams/synthetic.mjs) to a
// Kafka topic with @platformatic/kafka, one JSON record per message, keyed
// by the record's event id when it has one (copies of one event then share
// a partition), else by its user or service.
//
//   KAFKA_BROKERS=localhost:9092 node examples/producers/kafka.mjs [--topic events] [--partitions 4] [--minutes 60] [--seed 1]
import { Admin, Producer, stringSerializers } from "@platformatic/kafka";
import { generateStream } from "../streams/synthetic.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
};
const brokers = (process.env.KAFKA_BROKERS ?? "").split(",").filter((b) => b !== "");
if (brokers.length === 0) {
  console.error("set KAFKA_BROKERS (host:port[,host:port...])");
  process.exit(2);
}
const topic = arg("topic", "events");
const partitions = Number(arg("partitions", "4"));
const { records, scenario } = generateStream({ seed: Number(arg("seed", "1")), minutes: Number(arg("minutes", "60")) });

const admin = new Admin({ clientId: "papertrail-producer", bootstrapBrokers: brokers });
try {
  await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
} catch (error) {
  // Already there: produce into it.
  if (!String(error?.message ?? error).toLowerCase().includes("exist")) console.warn(`createTopics: ${error?.message ?? error}`);
}
await admin.close();

const producer = new Producer({ clientId: "papertrail-producer", bootstrapBrokers: brokers, serializers: stringSerializers });
const keyOf = (r) => String(r.event_id ?? r.EventId ?? r.user_id ?? r.user ?? r.service ?? "");
const started = performance.now();
for (let i = 0; i < records.length; i += 1000) {
  await producer.send({ messages: records.slice(i, i + 1000).map((r) => ({ topic, key: keyOf(r), value: JSON.stringify(r) })) });
}
await producer.close();
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ topic, records: records.length, seconds: Number(seconds.toFixed(2)), scenario }));
