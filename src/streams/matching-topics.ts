import type { Admin } from 'kafkajs';

/** The broker's topics that the pipeline's topic pattern matches, sorted. */
export async function matchingTopics(admin: Admin, pattern: RegExp): Promise<string[]> {
  return (await admin.listTopics()).filter((topic) => pattern.test(topic)).sort();
}
