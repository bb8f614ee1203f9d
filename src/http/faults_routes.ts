/**
 * Fault rules over HTTP while the server runs (issue 12): `/api/v1/faults` lists, adds and
 * removes rules, and Mailpit's `/api/v1/chaos` sets its three probability triggers, mapped
 * onto `%P` rules. A sub-app: the HTTP API mounts it when the server has fault rules.
 */
import { Hono } from "hono";
import { getChaos, setChaos } from "../faults/chaos.ts";
import { FaultRuleError, type FaultRules } from "../faults/rules.ts";

/** A rule as the API shows it. */
interface RuleJson {
  ID: string;
  Rule: string;
  Hits: number;
}

/**
 * The routes: `GET /api/v1/faults` (`{ Seed, Rules: [{ ID, Rule, Hits }] }`), `POST
 * /api/v1/faults` with `{"Rule": "…"}` (201 with the rule; 400 with `Error` and `Column`
 * for a bad one), `DELETE /api/v1/faults/{ID}`, `DELETE /api/v1/faults` (every rule, the
 * chaos triggers too), `GET` and `PUT /api/v1/chaos` in Mailpit's shape.
 */
export function faultRoutes(faults: FaultRules): Hono {
  const app = new Hono();
  const json = (r: { id: string; rule: string; hits: number }): RuleJson => ({
    ID: r.id,
    Rule: r.rule,
    Hits: r.hits,
  });

  app.get("/api/v1/faults", (c) => c.json({ Seed: faults.seed, Rules: faults.list().map(json) }));

  app.post("/api/v1/faults", async (c) => {
    const body = await c.req.json().catch(() => null) as { Rule?: unknown } | null;
    if (typeof body?.Rule !== "string") {
      return c.json({ Error: 'want a JSON body {"Rule": "STAGE => ACTION"}' }, 400);
    }
    try {
      return c.json(json(faults.add(body.Rule)), 201);
    } catch (e) {
      if (!(e instanceof FaultRuleError)) throw e;
      return c.json({ Error: e.message, Column: e.column }, 400);
    }
  });

  app.delete(
    "/api/v1/faults/:id",
    (c) => faults.remove(c.req.param("id")) ? c.text("ok") : c.text("no such fault rule", 404),
  );

  app.delete("/api/v1/faults", (c) => {
    faults.clear();
    setChaos(faults, {}); // the triggers read as off again
    return c.text("ok");
  });

  app.get("/api/v1/chaos", (c) => c.json(getChaos(faults)));

  app.put("/api/v1/chaos", async (c) => {
    const body = await c.req.json().catch(() => undefined);
    const set = setChaos(faults, body ?? {});
    return typeof set === "string" ? c.text(set, 400) : c.json(set);
  });

  return app;
}
