// Friendly default run names ("brave-otter-042"), in the spirit of MLflow's, so a run is easy to tell apart
// in a list before anyone names it.
import { randomInt } from 'node:crypto';

const ADJECTIVES = ['amber', 'bold', 'brave', 'bright', 'calm', 'clever', 'crisp', 'eager', 'fair', 'fast', 'gentle',
  'glad', 'grand', 'keen', 'kind', 'lively', 'lucky', 'merry', 'neat', 'noble', 'proud', 'quick', 'quiet', 'rapid',
  'sharp', 'shy', 'sleek', 'smart', 'solid', 'steady', 'swift', 'tidy', 'vivid', 'warm', 'wise', 'witty', 'zesty'];
const NOUNS = ['ant', 'bee', 'bison', 'crane', 'deer', 'dove', 'eagle', 'falcon', 'finch', 'fox', 'gecko', 'hare',
  'hawk', 'heron', 'ibis', 'koala', 'lark', 'lemur', 'lynx', 'mole', 'moth', 'newt', 'otter', 'owl', 'panda', 'puma',
  'quail', 'raven', 'robin', 'seal', 'shrew', 'sparrow', 'swan', 'tiger', 'trout', 'wasp', 'whale', 'wolf', 'yak'];

export function randomRunName(): string {
  const a = ADJECTIVES[randomInt(ADJECTIVES.length)];
  const n = NOUNS[randomInt(NOUNS.length)];
  return `${a}-${n}-${String(randomInt(1000)).padStart(3, '0')}`;
}
