import { describe, expect, it } from "vitest";
import { anyFilter, filtersFrom, gridSearch, serverQuery, withFilter } from "./filters";

describe("grid filters ⇄ URL search params", () => {
  it("reads every filter from the URL, absent ones empty", () => {
    expect(filtersFrom(new URLSearchParams("split=train&class=3&tag=day%20shot"))).toEqual({
      split: "train", status: "", class: "3", tag: "day shot", ids: "", video: "",
    });
    expect(filtersFrom(new URLSearchParams("ids=4,9")).ids).toBe("4,9");
    expect(anyFilter(filtersFrom(new URLSearchParams("")))).toBe(false);
    expect(anyFilter(filtersFrom(new URLSearchParams("status=null")))).toBe(true);
  });

  it("sets and clears one filter, keeping the other params", () => {
    const params = new URLSearchParams("split=valid&other=kept");
    const set = withFilter(params, "status", "annotated");
    expect(set.toString()).toBe("split=valid&other=kept&status=annotated");
    const cleared = withFilter(set, "split", "");
    expect(cleared.toString()).toBe("other=kept&status=annotated");
    expect(params.toString()).toBe("split=valid&other=kept"); // the original is left alone
  });

  it("round-trips: the URL written for some filters reads back as the same filters", () => {
    const filters = { split: "test", status: "reviewed", class: "12", tag: "a&b=c", ids: "1,2", video: "3" };
    let params = new URLSearchParams();
    for (const [key, value] of Object.entries(filters)) params = withFilter(params, key as keyof typeof filters, value);
    expect(filtersFrom(new URLSearchParams(params.toString()))).toEqual(filters);
  });

  it("asks the server with its own names, only for the filters that are set", () => {
    expect(serverQuery({ split: "", status: "null", class: "4", tag: "", ids: "", video: "" })).toEqual({ status: "null", category_id: "4" });
    expect(serverQuery({ split: "", status: "", class: "", tag: "", ids: "3,5", video: "" })).toEqual({ ids: "3,5" });
    expect(serverQuery({ split: "", status: "", class: "", tag: "", ids: "", video: "2" })).toEqual({ video_id: "2" });
    expect(serverQuery(filtersFrom(new URLSearchParams("")))).toEqual({});
  });
});

describe("the grid's search, carried into the editor and back", () => {
  it("holds the set filters only, and nothing when none is set", () => {
    expect(gridSearch(filtersFrom(new URLSearchParams("status=unannotated&other=x&class=3")))).toBe("?status=unannotated&class=3");
    expect(gridSearch(filtersFrom(new URLSearchParams("queue=review")))).toBe("");
  });
});
