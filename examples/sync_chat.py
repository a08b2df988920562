"""The plain sync facade: same methods, no `await`."""

from __future__ import annotations

from _local import sync_client


def main() -> None:
    with sync_client() as client:
        completion = client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "Say hello in French."}],
        )
        print(completion.choices[0].message.content)
        rate = completion.response_info.rate_limit if completion.response_info else None
        if rate is not None:
            print(f"requests left this window: {rate.remaining_requests}")
        for model in client.models.list():
            print("model:", model.id)


if __name__ == "__main__":
    main()
