// Imported first: the panel's CSP forbids eval, so zod must not compile its fast parsers with new Function.
import { z } from 'zod';

z.config({ jitless: true });
